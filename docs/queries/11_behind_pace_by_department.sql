-- Which targets are behind pace (欠进度), by lead department, and how far from 序时进度?
-- gap_to_pace is the share of target reached minus 序时进度 (for rates: minus 1, the target).
-- The current plan year's targets (a finished year's read 已完成 or 未完成, never a pace).
select
    lead_department_zh,
    indicator_id,
    name_zh,
    actual_value,
    target_value,
    unit,
    as_of,
    expected_progress,
    pct_of_target,
    round(pct_of_target - coalesce(expected_progress, 1), 4) as gap_to_pace,
    projected_year_end
from marts.indicator_progress
where status = 'behind' and is_current_plan_year
order by lead_department_zh, gap_to_pace, indicator_id;
