-- Which provincial and municipal key projects (省市重点项目) have not started construction yet?
-- Read from the latest register: a project without a start date (开工日期) has not started.
with
latest_register as (
    select max(period) as period
    from marts.fact_projects
    where project_type = '省市重点'
),

final as (
    select
        p.project_code,
        p.project_name,
        p.project_level,
        p.approved_on,
        -- 1 亿元 = 10,000 万元
        p.planned_annual_investment_wan / 10000 as planned_annual_investment_yi,
        p.period as register_month
    from marts.fact_projects as p
    inner join latest_register as l on p.period = l.period
    where p.project_type = '省市重点' and p.started_on is null
)

select * from final
order by approved_on, project_code;
