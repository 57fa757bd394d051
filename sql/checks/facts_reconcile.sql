-- A feed's fact table holds exactly the rows the ledger accepted from the current submissions:
-- per submission, the fact rows equal ledger.submissions.rows_accepted when every period it
-- covers is still current, and never exceed it when a later file replaced some of its periods
-- (those periods' rows left with them). A fact row from a submission that is not current is an
-- error too. {fact} is the fact table, quoted by the caller. One row per submission involved.
with
covered as (
    select
        submission_id,
        count(*) as periods
    from ledger.submission_periods
    group by submission_id
),

current_periods as (
    select
        submission_id,
        count(*) as periods
    from staging.current_submissions
    where feed = $feed
    group by submission_id
),

accepted as (
    select
        s.submission_id,
        s.department,
        s.file_name,
        s.rows_accepted,
        c.periods = v.periods as wholly_current
    from ledger.submissions as s
    inner join current_periods as c on s.submission_id = c.submission_id
    inner join covered as v on s.submission_id = v.submission_id
    where s.feed = $feed
),

facts as (
    select
        submission_id,
        count(*) as fact_rows
    from marts.{fact}
    group by submission_id
)

select
    coalesce(a.submission_id, f.submission_id) as submission_id,
    a.department,
    a.file_name,
    a.rows_accepted,
    coalesce(f.fact_rows, 0) as fact_rows,
    a.wholly_current,
    case
        when a.submission_id is null then false
        when a.wholly_current then coalesce(f.fact_rows, 0) = coalesce(a.rows_accepted, 0)
        else coalesce(f.fact_rows, 0) <= coalesce(a.rows_accepted, 0)
    end as reconciles
from accepted as a
full outer join facts as f on a.submission_id = f.submission_id
order by reconciles, a.department, submission_id;
