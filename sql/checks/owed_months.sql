-- Every month owed is scored or marked missing: for each plan year's indicator, each month of it
-- whose figure was due by the evaluation date (the feed's due day of the following month; a
-- quarterly figure at quarter ends, an annual reporter's in December) has a row in
-- marts.indicator_progress_monthly with a status, 数据缺报 (no_data) when the data is missing.
-- The evaluation date is the scorecard's own (marts.indicator_progress.evaluated_on), so the
-- check judges the day the marts were built for. One row per plan year, indicator and owed
-- month, with its status (empty when the month has no row).
with
judged as (
    select max(evaluated_on) as as_of
    from marts.indicator_progress
),

owed as (
    select
        i.plan_year,
        i.indicator_id,
        m.month
    from marts.dim_indicator as i
    left join reference.feed_departments as f
        on i.feed = f.feed and i.source_department = f.department
    cross join judged as j
    inner join reference.plan_months as m on i.plan_year = m.plan_year
    where m.month + interval 1 month + (coalesce(f.due_day, 1) - 1) * interval 1 day < j.as_of
        and case
            when f.cadence = 'annual' then month(m.month) = 12
            when i.frequency = 'quarterly' then month(m.month) % 3 = 0
            else true
        end
)

select
    o.plan_year,
    o.indicator_id,
    o.month,
    p.status
from owed as o
left join marts.indicator_progress_monthly as p
    on o.plan_year = p.plan_year and o.indicator_id = p.indicator_id and o.month = p.month
order by o.plan_year, o.indicator_id, o.month;
