-- One measured column of a feed, each new value beside the figure it is judged against: the same
-- department's own series (the same project, scenic area, metric or school) as it was last
-- accepted (or sent earlier in the same batch). Filled in by pipelines/checks/history.py, which unions one of these per series:
-- {typed} and {staging} are the feed's typed rows and its accepted rows, {series} the column
-- naming the series, {measure} the value and {measure_text} its text as typed. {reference} is
-- `latest` (the last earlier figure: this file's own previous month first, else the accepted
-- one, a correction's same month included) or `median` (the median of the series' previous
-- twelve accepted months, for a flow that swings with the season). {resets} says whether the
-- figure starts again each January (a 1-N月 cumulative): across a year end only a rise counts.
-- {scaled} says whether the series are of one kind (projects, schools), so that the department's
-- median for the column is a fair stand-in for an earlier figure too small to measure from.
with
new_rows as (
    select
        t.submission_id,
        t.row_number,
        t.period,
        s.department,
        s.received_at,
        t.{series}::varchar as series,
        t.{measure}::double as value,
        t.{measure_text}::varchar as value_text
    from {typed} as t
    inner join ledger.submissions as s on t.submission_id = s.submission_id
    where
        t.submission_id in (select unnest($submission_ids))
        and t.{measure} is not null
        and t.{series} is not null
        and t.period is not null
),

earlier as (
    -- The department's accepted figures …
    select
        c.department,
        c.{series}::varchar as series,
        c.period,
        c.{measure}::double as value,
        c.submission_id,
        s.received_at,
        false as in_batch
    from {staging} as c
    inner join ledger.submissions as s on c.submission_id = s.submission_id
    where c.{measure} is not null and c.{series} is not null
    union all
    -- … this file's own rows (a file may report several months), and those of the other files
    -- of the batch, which no run has judged yet: a figure is never compared with nothing
    -- because last month's file arrived in the same run (for the same month, only a file
    -- received before it counts: that is the one it corrects).
    select
        department,
        series,
        period,
        value,
        submission_id,
        received_at,
        true as in_batch
    from new_rows
),

candidates as (
    select
        n.*,
        e.period as reference_period,
        e.value as reference_value,
        e.submission_id as reference_submission,
        e.submission_id = n.submission_id as same_file,
        e.received_at as reference_received_at
    from new_rows as n
    inner join earlier as e
        on
            n.department = e.department
            and n.series = e.series
            and (
                (e.submission_id = n.submission_id and e.period < n.period)
                or (
                    e.submission_id <> n.submission_id
                    and (
                        e.period < n.period
                        -- The same month sent before: what a correction replaces.
                        or (
                            e.period = n.period
                            and '{reference}' = 'latest'
                            and (
                                not e.in_batch
                                or (e.received_at, e.submission_id)
                                < (n.received_at, n.submission_id)
                            )
                        )
                    )
                )
            )
    where '{reference}' = 'latest' or e.period >= n.period - interval 12 month
),

chosen_earlier as (
    select *
    from candidates
    qualify
        row_number() over (
            partition by submission_id, row_number
            order by
                reference_period desc, same_file desc, reference_received_at desc,
                reference_submission desc
        ) = 1
),

-- The department's typical figure for the column in a month: the median over its series.
scales as (
    select
        department,
        period,
        median(value) as scale
    from earlier
    group by department, period
),

latest as (
    -- An earlier figure below a hundredth of the department's typical one (a project's first
    -- small arrival of capital, 1.06 万元) is no base to measure a hundredfold rise from: the
    -- typical figure stands in for it, so growth from a small start is not questioned while a
    -- figure typed in 元 still is. Only where {scaled}: series of one kind of thing (projects,
    -- schools), not metrics of different sizes.
    select
        c.* exclude (reference_value),
        case
            when {scaled} and c.reference_value < s.scale / 100 then s.scale
            else c.reference_value
        end as reference_value,
        coalesce({scaled} and c.reference_value < s.scale / 100, false) as reference_is_scale
    from chosen_earlier as c
    left join scales as s on c.department = s.department and c.reference_period = s.period
),

median_of_months as (
    select
        submission_id,
        row_number,
        any_value(period) as period,
        any_value(series) as series,
        any_value(value) as value,
        any_value(value_text) as value_text,
        max(reference_period) as reference_period,
        median(reference_value) as reference_value,
        -- The months the median was taken over, for the message.
        min(reference_period) as first_reference_period,
        false as reference_is_scale
    from candidates
    group by submission_id, row_number
)

select
    submission_id,
    row_number as excel_row,
    period,
    series,
    value,
    value_text,
    reference_value,
    reference_period,
    {first_reference} as first_reference_period,
    {resets} and year(reference_period) <> year(period) as rise_only,
    reference_is_scale
from {chosen}
