-- What is each indicator's actual at its as-of month, recomputed straight from the fact tables?
-- The formulas of docs/warehouse.md, one part per kind of source, next to the scorecard's value.
-- Registers (projects, school places) are snapshots: read the as-of month's register. Events and
-- tourism revenue are monthly flows: sum January to the as-of month. Headline statistics are
-- already cumulative (1-N月累计): read the as-of month. Growth compares the same months of the
-- year before. Every plan year on record, each indicator at its own as-of month.
with
scorecard as (
    select
        p.plan_year,
        p.indicator_id,
        p.as_of,
        cast(p.as_of - interval 1 year as date) as same_month_last_year,
        i.source_department as department,
        i.metric_code,
        p.actual_value as scorecard_value
    from marts.indicator_progress as p
    inner join marts.dim_indicator as i
        on p.plan_year = i.plan_year and p.indicator_id = i.indicator_id
    where p.as_of is not null
),

-- T01, T02: investment projects signed this year by the month's end (amounts 万元 -> 亿元).
-- T04: key projects started this year by the month's end; T05: their investment completed.
projects as (
    select
        s.plan_year,
        s.indicator_id,
        case s.indicator_id
            when 'T01' then count(p.project_code) filter (
                where p.project_type = '招商引资'
                and p.signed_on between date_trunc('year', s.as_of) and last_day(s.as_of)
            )
            when 'T02' then coalesce(sum(p.contracted_amount_wan) filter (
                where p.project_type = '招商引资'
                and p.signed_on between date_trunc('year', s.as_of) and last_day(s.as_of)
            ), 0) / 10000
            when 'T04' then count(p.project_code) filter (
                where p.project_type = '省市重点'
                and p.started_on between date_trunc('year', s.as_of) and last_day(s.as_of)
            )
            when 'T05' then coalesce(sum(p.completed_investment_ytd_wan) filter (
                where p.project_type = '省市重点'
            ), 0) / 10000
        end as actual_value
    from scorecard as s
    left join marts.fact_projects as p on s.department = p.department and s.as_of = p.period
    where s.indicator_id in ('T01', 'T02', 'T04', 'T05')
    group by s.plan_year, s.indicator_id
),

-- T03: capital utilised this year (cumulative) in this year's register against the register of
-- the same month last year, growth in percent.
utilised_capital as (
    select
        s.plan_year,
        s.indicator_id,
        round((
            sum(p.utilised_capital_ytd_wan::double) filter (where p.period = s.as_of)
            / sum(p.utilised_capital_ytd_wan::double) filter (
                where p.period = s.same_month_last_year
            )
            - 1
        ) * 100, 2) as actual_value
    from scorecard as s
    inner join marts.fact_projects as p
        on
            s.department = p.department
            and p.period in (s.as_of, s.same_month_last_year)
            and p.project_type = '招商引资'
    where s.indicator_id = 'T03'
    group by s.plan_year, s.indicator_id
),

-- T06: certifications minus revocations since January; T08: new registrations; T09: foreign-
-- trade filings. T07 adds T06's net increase to the stock reported for last December.
events as (
    select
        s.plan_year,
        s.indicator_id,
        count(e.credit_code) filter (where e.event_type = '高企认定')
        - count(e.credit_code) filter (where e.event_type = '高企撤销') as high_tech_net_increase,
        count(e.credit_code) filter (where e.event_type = '新登记') as new_registrations,
        count(e.credit_code) filter (where e.event_type = '外贸备案') as trade_filings
    from scorecard as s
    left join marts.fact_enterprise_events as e
        on
            s.department = e.department
            and e.period between date_trunc('year', s.as_of) and s.as_of
    where s.indicator_id in ('T06', 'T07', 'T08', 'T09')
    group by s.plan_year, s.indicator_id
),

high_tech_stock as (
    select
        s.plan_year,
        s.indicator_id,
        h.value_ytd::double as stock_last_december
    from scorecard as s
    inner join marts.fact_headline_statistics as h
        on
            s.department = h.department
            and h.metric_code = 'high_tech_stock'
            and h.period = make_date(year(s.as_of) - 1, 12, 1)
    where s.indicator_id = 'T07'
),

enterprises as (
    select
        e.plan_year,
        e.indicator_id,
        case e.indicator_id
            when 'T06' then e.high_tech_net_increase
            when 'T07' then k.stock_last_december + e.high_tech_net_increase
            when 'T08' then e.new_registrations
            when 'T09' then e.trade_filings
        end as actual_value
    from events as e
    left join high_tech_stock as k
        on e.plan_year = k.plan_year and e.indicator_id = k.indicator_id
),

-- T12: tourism revenue January to the as-of month against the same months of last year; T22:
-- the revenue itself.
tourism as (
    select
        s.plan_year,
        s.indicator_id,
        case s.indicator_id
            when 'T12' then round((
                sum(t.revenue_wan::double) filter (where year(t.period) = year(s.as_of))
                / sum(t.revenue_wan::double) filter (where year(t.period) = year(s.as_of) - 1)
                - 1
            ) * 100, 2)
            else sum(t.revenue_wan::double) filter (where year(t.period) = year(s.as_of))
        end as actual_value
    from scorecard as s
    inner join marts.fact_tourism_revenue as t
        on
            s.department = t.department
            and year(t.period) between year(s.as_of) - 1 and year(s.as_of)
            and month(t.period) <= month(s.as_of)
    where s.indicator_id in ('T12', 'T22')
    group by s.plan_year, s.indicator_id
),

-- T13: school places delivered this year by the month's end, from the month's register.
school_places as (
    select
        s.plan_year,
        s.indicator_id,
        coalesce(sum(f.places) filter (
            where f.delivered_on between date_trunc('year', s.as_of) and last_day(s.as_of)
        ), 0) as actual_value
    from scorecard as s
    left join marts.fact_school_places as f on s.department = f.department and s.as_of = f.period
    where s.indicator_id = 'T13'
    group by s.plan_year, s.indicator_id
),

-- Headline statistics, the catalog's metric for the source department: T10, T11, T21 the level
-- reported, T23 the cumulative value; T16, T19, T20 the growth the statistics bureau reports;
-- T14, T15, T17, T18 the cumulative value against the same month last year.
headline as (
    select
        s.plan_year,
        s.indicator_id,
        case
            when s.indicator_id in ('T10', 'T11', 'T21', 'T23')
                then max(h.value_ytd::double) filter (where h.period = s.as_of)
            when s.indicator_id in ('T16', 'T19', 'T20')
                then max(h.growth_pct::double) filter (where h.period = s.as_of)
            else round((
                max(h.value_ytd::double) filter (where h.period = s.as_of)
                / max(h.value_ytd::double) filter (where h.period = s.same_month_last_year)
                - 1
            ) * 100, 2)
        end as actual_value
    from scorecard as s
    inner join marts.fact_headline_statistics as h
        on
            s.department = h.department
            and s.metric_code = h.metric_code
            and h.period in (s.as_of, s.same_month_last_year)
    where s.indicator_id in (
        'T10', 'T11', 'T14', 'T15', 'T16', 'T17', 'T18', 'T19', 'T20', 'T21', 'T23'
    )
    group by s.plan_year, s.indicator_id
),

recomputed as (
    select plan_year, indicator_id, actual_value::double as actual_value from projects
    union all
    select plan_year, indicator_id, actual_value from utilised_capital
    union all
    select plan_year, indicator_id, actual_value::double from enterprises
    union all
    select plan_year, indicator_id, actual_value from tourism
    union all
    select plan_year, indicator_id, actual_value::double from school_places
    union all
    select plan_year, indicator_id, actual_value from headline
),

final as (
    select
        s.plan_year,
        s.indicator_id,
        s.as_of,
        r.actual_value as recomputed_value,
        s.scorecard_value,
        abs(r.actual_value - s.scorecard_value) < 0.000001 as agrees
    from scorecard as s
    left join recomputed as r on s.plan_year = r.plan_year and s.indicator_id = r.indicator_id
)

select * from final
order by plan_year, indicator_id;
