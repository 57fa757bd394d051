-- How did T08 (新登记企业, newly registered enterprises) move month by month?
-- Year to date against the 10,000 target; 序时进度 is m/12 at month m.
select
    month,
    actual_value,
    target_value,
    expected_progress,
    pct_of_target,
    status,
    status_zh
from marts.indicator_progress_monthly
where indicator_id = 'T08'
order by month;
