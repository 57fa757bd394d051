-- Which departments are late with their figures (数据缺报) on the evaluation date?
-- A department owes every month of the plan years on record in order (annual reporters owe
-- December); the first month missing is owed, due on the feed's due day of the following month.
select
    department,
    department_zh,
    feed,
    feed_zh,
    next_period as month_owed,
    next_due as due_on,
    days_overdue,
    evaluated_on
from marts.feed_status
where is_overdue
order by days_overdue desc, department, feed;
