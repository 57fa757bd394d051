-- How does each indicator of the current plan year compare with the same month a plan year before?
-- An indicator id is the same measure in every plan year (T08 is 新登记企业 in each): this year's
-- figure at its as-of month beside the previous plan year's figure, target and status in the same
-- month (empty when the indicator was not in that plan, or that month had no figure).
select
    p.indicator_id,
    p.name_zh,
    p.unit,
    p.plan_year,
    p.as_of,
    p.actual_value,
    p.target_value,
    p.status_zh,
    m.plan_year as previous_plan_year,
    m.actual_value as previous_actual_value,
    m.target_value as previous_target_value,
    m.status_zh as previous_status_zh,
    round(p.actual_value - m.actual_value, 2) as change_from_previous_year
from marts.indicator_progress as p
left join marts.indicator_progress_monthly as m
    on p.indicator_id = m.indicator_id
    and m.plan_year = p.plan_year - 1
    and m.month = cast(p.as_of - interval 1 year as date)
where p.is_current_plan_year
order by p.indicator_id;
