-- Per feed and department: what was received for the plan years, which period is owed next and
-- whether it is overdue on the evaluation date. A monthly obligation owes every month of every
-- plan year on record (reference.targets: a plan year is owed once its plan has arrived); an
-- annual one owes December. The next period owed is the first one missing, so a gap is owed even
-- when later months arrived, and a month of a finished year stays owed until it arrives.
-- Due: the due day of the month after the period.
create or replace table marts.feed_status as
with
obligations as (
    select
        f.feed,
        f.feed_zh,
        f.department,
        d.name_zh as department_zh,
        f.cadence,
        f.due_day
    from reference.feed_departments as f
    left join reference.departments as d on f.department = d.department_code
),

owed_periods as (
    select
        o.feed,
        o.department,
        m.month as period
    from obligations as o
    cross join reference.plan_months as m
    where o.cadence = 'monthly' or month(m.month) = 12
),

received as (
    select
        feed,
        department,
        max(period) as last_period,
        count(*) filter (
            where year(period) in (select plan_year from reference.targets)
        ) as periods_received
    from staging.current_submissions
    group by all
),

first_missing as (
    select
        o.feed,
        o.department,
        min(o.period) as next_period
    from owed_periods as o
    left join staging.current_submissions as c
        on o.feed = c.feed and o.department = c.department and o.period = c.period
    where c.submission_id is null
    group by all
),

dated as (
    select
        o.*,
        r.last_period,
        coalesce(r.periods_received, 0) as periods_received,
        m.next_period,
        cast(m.next_period + interval 1 month + (o.due_day - 1) * interval 1 day as date)
            as next_due
    from obligations as o
    left join received as r on o.feed = r.feed and o.department = r.department
    left join first_missing as m on o.feed = m.feed and o.department = m.department
),

final as (
    select
        feed,
        feed_zh,
        department,
        department_zh,
        cadence,
        due_day,
        last_period,
        periods_received,
        next_period,
        next_due,
        coalesce(next_due < $as_of_date, false) as is_overdue,
        case
            when next_due < $as_of_date then date_diff('day', next_due, cast($as_of_date as date))
            else 0
        end as days_overdue,
        case
            when next_period is null then 'complete'
            when next_due < $as_of_date then 'overdue'
            else 'on_time'
        end as status,
        case
            when next_period is null then '已报齐'
            when next_due < $as_of_date then '数据缺报'
            else '按期报送'
        end as status_zh,
        cast($as_of_date as date) as evaluated_on
    from dated
)

select * from final
order by feed, department;
