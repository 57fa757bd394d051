-- Which projects over 10 亿元 started in Q3 (investment projects signed July to September)?
-- An investment-attraction project (招商引资) starts when its agreement is signed; key projects
-- (省市重点) carry only a year's planned investment, not a project size. Each month's file is
-- the department's whole register of the year (a snapshot), so read the latest register, never
-- sum months: Q3 is that register's year's.
with
latest_register as (
    select max(period) as period
    from marts.fact_projects
    where project_type = '招商引资'
),

final as (
    select
        p.project_code,
        p.project_name,
        p.investor,
        p.capital_source,
        p.signed_on,
        p.contracted_amount_yi,
        p.period as register_month
    from marts.fact_projects as p
    inner join latest_register as l on p.period = l.period
    where
        p.project_type = '招商引资'
        and p.signed_on between make_date(year(l.period), 7, 1) and make_date(year(l.period), 9, 30)
        and p.contracted_amount_yi > 10
)

select * from final
order by contracted_amount_yi desc, project_code;
