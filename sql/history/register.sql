-- A snapshot register (projects, school places) sent again for a month already sent: the items
-- of the register it would replace that it drops. The register replaced is the latest of the
-- accepted one in force and any sent earlier in the same batch (not judged yet, but what the
-- clerk sent before). Filled in by pipelines/checks/history.py: {typed} is the feed's typed
-- rows, {item} the column naming a register item (项目编号, 学校或项目名称).
with
new_rows as (
    select
        t.submission_id,
        s.feed,
        s.department,
        s.received_at,
        t.period,
        t.{item}::varchar as item
    from {typed} as t
    inner join ledger.submissions as s on t.submission_id = s.submission_id
    where t.submission_id in (select unnest($submission_ids)) and t.period is not null
),

covered as (
    select distinct
        submission_id,
        feed,
        department,
        received_at,
        period
    from new_rows
),

earlier_registers as (
    select
        c.submission_id,
        c.period,
        current_one.submission_id as old_submission,
        s.received_at as old_received_at
    from covered as c
    inner join staging.current_submissions as current_one
        on
            c.feed = current_one.feed
            and c.department = current_one.department
            and c.period = current_one.period
    inner join ledger.submissions as s on current_one.submission_id = s.submission_id
    where current_one.submission_id <> c.submission_id
    union all
    select
        c.submission_id,
        c.period,
        b.submission_id as old_submission,
        b.received_at as old_received_at
    from covered as c
    inner join covered as b
        on
            c.feed = b.feed
            and c.department = b.department
            and c.period = b.period
            and (b.received_at, b.submission_id) < (c.received_at, c.submission_id)
),

replaced as (
    select *
    from earlier_registers
    qualify
        row_number() over (
            partition by submission_id, period
            order by old_received_at desc, old_submission desc
        ) = 1
),

before as (
    select
        r.submission_id,
        r.period,
        r.old_submission,
        o.{item}::varchar as item,
        exists (
            select 1 from new_rows as n
            where
                n.submission_id = r.submission_id
                and n.period = r.period
                and n.item = o.{item}::varchar
        ) as kept
    from replaced as r
    inner join {typed} as o on r.old_submission = o.submission_id and r.period = o.period
    where
        o.{item} is not null
        -- Rows of the register in force that quarantine held back were never in it.
        and not exists (
            select 1 from ledger.quarantine as q
            where q.submission_id = o.submission_id and q.row_number = o.row_number
        )
),

after as (
    select
        submission_id,
        period,
        count(distinct item) as rows_after
    from new_rows
    group by all
)

select
    b.submission_id,
    b.period,
    b.old_submission,
    count(distinct b.item) as rows_before,
    any_value(a.rows_after) as rows_after,
    list(distinct b.item order by b.item) filter (where not b.kept) as missing_items
from before as b
inner join after as a on b.submission_id = a.submission_id and b.period = a.period
group by b.submission_id, b.period, b.old_submission
