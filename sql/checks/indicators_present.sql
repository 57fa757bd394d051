-- The scorecard holds every indicator of every plan exactly once: each plan year and indicator id
-- of the accepted plan files (staging.plans, what the supervision office sent) has one row in
-- marts.indicator_progress, and no other plan year and indicator has any. Returns one row per
-- problem; none when the check passes.
with
expected as (
    select distinct
        cast(year(period) as integer) as plan_year,
        indicator_id
    from staging.plans
),

found as (
    select
        plan_year,
        indicator_id,
        count(*) as row_count
    from marts.indicator_progress
    group by plan_year, indicator_id
)

select
    coalesce(e.plan_year, f.plan_year) as plan_year,
    coalesce(e.indicator_id, f.indicator_id) as indicator_id,
    case
        when f.indicator_id is null then 'missing'
        when e.indicator_id is null then 'not in the plan'
        else 'on ' || f.row_count || ' rows'
    end as problem
from expected as e
full outer join found as f on e.plan_year = f.plan_year and e.indicator_id = f.indicator_id
where f.indicator_id is null or e.indicator_id is null or f.row_count > 1
order by plan_year, indicator_id;
