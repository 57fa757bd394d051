-- How did T08 (新登记企业, newly registered enterprises) move month by month this plan year?
-- Year to date against the year's target; 序时进度 is m/12 at month m. Another plan year's
-- months: filter on m.plan_year instead of the current year.
select
    m.month,
    m.actual_value,
    m.target_value,
    m.expected_progress,
    m.pct_of_target,
    m.status,
    m.status_zh
from marts.indicator_progress_monthly as m
inner join marts.indicator_progress as p
    on m.plan_year = p.plan_year and m.indicator_id = p.indicator_id
where m.indicator_id = 'T08' and p.is_current_plan_year
order by m.month;
