-- How did the stock of certified high-tech enterprises (高新技术企业总数, T07) move by month?
-- Stock = the stock reported for last December + this year's net increase (T06: 高企认定 minus
-- 高企撤销 since January); 序时进度 is the straight path from that stock to the target. Every
-- plan year that holds T07 (the demo's 2024; its 2025 plan dropped it).
select
    stock.plan_year,
    stock.month,
    stock.baseline_value as stock_last_december,
    net.actual_value as net_increase_ytd,
    stock.actual_value as stock,
    progress.target_value,
    progress.expected_progress,
    progress.status_zh
from marts.indicator_actuals as stock
inner join marts.indicator_actuals as net
    on net.indicator_id = 'T06' and stock.plan_year = net.plan_year and stock.month = net.month
left join marts.indicator_progress_monthly as progress
    on
        progress.indicator_id = 'T07'
        and stock.plan_year = progress.plan_year
        and stock.month = progress.month
where stock.indicator_id = 'T07'
order by stock.month;
