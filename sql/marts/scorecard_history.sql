-- Record each indicator's reading when it differs from the last one recorded, then list the
-- status changes with the submissions that arrived with them, restatements marked. A change is
-- of the current status (the month owed: the calendar can move it) or of the last known figure's
-- status (last_status: only new or restated figures move it). Readings are kept per plan year
-- and indicator, so a finished year's last reading stays beside the current year's.
insert into ledger.scorecard_history by name
with
latest as (
    select *
    from ledger.scorecard_history
    qualify row_number() over (
        partition by plan_year, indicator_id order by recorded_at desc
    ) = 1
)

select
    now() as recorded_at,
    p.indicator_id,
    p.plan_year,
    p.as_of,
    p.actual_value,
    p.target_value,
    p.status,
    p.status_zh,
    p.submission_ids,
    p.evaluated_on,
    p.status_month,
    p.last_status
from marts.indicator_progress as p
left join latest as l on p.plan_year = l.plan_year and p.indicator_id = l.indicator_id
where l.indicator_id is null
    or p.status is distinct from l.status
    or p.last_status is distinct from l.last_status
    or p.status_month is distinct from l.status_month
    or p.actual_value is distinct from l.actual_value
    or p.as_of is distinct from l.as_of
    or p.target_value is distinct from l.target_value;

create or replace table marts.status_changes as
with
readings as (
    select
        *,
        lag(status) over by_time as previous_status,
        lag(last_status) over by_time as previous_last_status,
        lag(submission_ids) over by_time as previous_submission_ids
    from ledger.scorecard_history
    window by_time as (partition by plan_year, indicator_id order by recorded_at)
),

changes as (
    select
        indicator_id,
        recorded_at,
        previous_status,
        status,
        status_zh,
        previous_last_status,
        last_status,
        as_of,
        actual_value,
        list_filter(submission_ids, lambda s: not list_contains(previous_submission_ids, s))
            as new_submission_ids,
        plan_year
    from readings
    where previous_status is not null
        and (previous_status <> status or previous_last_status <> last_status)
),

final as (
    select
        c.* exclude (plan_year),
        coalesce(
            list_sort(list(distinct s.submission_id) filter (where s.submission_id is not null)),
            []
        ) as restated_by,
        -- A key with indicator_id; last, so the columns before it stay in place.
        c.plan_year
    from changes as c
    left join ledger.submissions as r on list_contains(c.new_submission_ids, r.superseded_by)
    left join ledger.submissions as s on r.superseded_by = s.submission_id
    group by all
)

select * from final
order by recorded_at, plan_year, indicator_id;
