-- Every feed reduced to the same long shape: one value per department, metric and month, with the
-- submissions it came from. The catalog's metric_code names which of these an indicator reads.
-- A month is absent when its data is missing: a snapshot month not reported, or a flow with any
-- month from January to that month not reported. Snapshot feeds (projects, school places) are
-- read from the month's register and flows (registrations, tourism) summed from January; the
-- headline figures are already cumulative (1-N月累计) and are never summed across months. The
-- plan files (feed plans) hold targets, not figures: they are never a feed's metric.
create or replace table marts.feed_metrics as
with
-- Every month from January of the first year any feed reported to the latest month reported:
-- every plan year and the year before it (growth baselines), whichever years the data holds.
months as (
    select cast(unnest(generate_series(
        cast(date_trunc('year', min(period)) as date), max(period), interval 1 month
    )) as date) as month
    from staging.current_submissions
),

reported as (
    select
        feed,
        department,
        period,
        list(submission_id order by submission_id) as submission_ids
    from staging.current_submissions
    group by all
),

-- Flow feeds: a year-to-date total exists only when every month since January was reported.
flow_coverage as (
    select
        r.feed,
        r.department,
        m.month,
        flatten(list(r.submission_ids order by r.period)) as submission_ids
    from months as m
    inner join reported as r
        on r.period between date_trunc('year', m.month) and m.month
    where r.feed in ('enterprise_registrations', 'tourism_revenue')
    group by all
    having count(*) = month(m.month)
),

-- A national feed has millions of events: they are counted per department and month once, when
-- their submission becomes current (sql/marts/pair_events.sql), so the year-to-date sums join
-- months, not events, and a night reads no event it has counted before.
events_by_month as (
    select
        department,
        period,
        sum(new_registrations) as new_registrations,
        sum(high_tech_certified) - sum(high_tech_revoked) as high_tech_net_increase,
        sum(trade_filings) as trade_filings
    from staging.pair_events
    group by all
),

events_ytd as (
    select
        c.department,
        c.month,
        c.submission_ids,
        coalesce(sum(e.new_registrations), 0)::bigint as new_registrations,
        coalesce(sum(e.high_tech_net_increase), 0)::bigint as high_tech_net_increase,
        coalesce(sum(e.trade_filings), 0)::bigint as trade_filings
    from flow_coverage as c
    left join events_by_month as e
        on c.department = e.department
        and e.period between date_trunc('year', c.month) and c.month
    where c.feed = 'enterprise_registrations'
    group by all
),

tourism_ytd as (
    select
        c.department,
        c.month,
        c.submission_ids,
        coalesce(sum(t.revenue_wan), 0) as tourism_revenue_wan
    from flow_coverage as c
    left join marts.fact_tourism_revenue as t
        on c.department = t.department
        and t.period between date_trunc('year', c.month) and c.month
    where c.feed = 'tourism_revenue'
    group by all
),

-- Snapshot feeds: each month's register already holds the year-to-date values.
projects_by_month as (
    select
        r.department,
        r.period as month,
        r.submission_ids,
        count(p.project_code) filter (
            where p.project_type = '招商引资' and year(p.signed_on) = year(r.period)
            and p.signed_on <= last_day(r.period)
        ) as signed_projects,
        -- 万元 -> 亿元
        coalesce(sum(p.contracted_amount_wan) filter (
            where p.project_type = '招商引资' and year(p.signed_on) = year(r.period)
            and p.signed_on <= last_day(r.period)
        ), 0) / 10000 as contracted_investment_yi,
        coalesce(sum(p.utilised_capital_ytd_wan) filter (where p.project_type = '招商引资'), 0)
            as utilised_capital_wan,
        count(p.project_code) filter (
            where p.project_type = '省市重点' and year(p.started_on) = year(r.period)
            and p.started_on <= last_day(r.period)
        ) as started_key_projects,
        -- 万元 -> 亿元
        coalesce(sum(p.completed_investment_ytd_wan) filter (where p.project_type = '省市重点'), 0)
            / 10000 as key_project_investment_yi
    from reported as r
    left join marts.fact_projects as p
        on r.department = p.department and r.period = p.period
    where r.feed = 'projects'
    group by all
),

places_by_month as (
    select
        r.department,
        r.period as month,
        r.submission_ids,
        coalesce(sum(s.places) filter (
            where year(s.delivered_on) = year(r.period) and s.delivered_on <= last_day(r.period)
        ), 0) as delivered_places
    from reported as r
    left join marts.fact_school_places as s
        on r.department = s.department and r.period = s.period
    where r.feed = 'school_places'
    group by all
),

derived as (
    unpivot (
        select
            department,
            month,
            submission_ids,
            signed_projects::double as signed_projects,
            contracted_investment_yi::double as contracted_investment_yi,
            utilised_capital_wan::double as utilised_capital_wan,
            started_key_projects::double as started_key_projects,
            key_project_investment_yi::double as key_project_investment_yi
        from projects_by_month
    )
    on columns(* exclude (department, month, submission_ids))
    into name metric_code value metric_value
    union all by name
    unpivot (
        select
            department,
            month,
            submission_ids,
            new_registrations::double as new_registrations,
            high_tech_net_increase::double as high_tech_net_increase,
            trade_filings::double as trade_filings
        from events_ytd
    )
    on columns(* exclude (department, month, submission_ids))
    into name metric_code value metric_value
    union all by name
    select department, month, submission_ids, 'tourism_revenue_wan' as metric_code,
        tourism_revenue_wan::double as metric_value
    from tourism_ytd
    union all by name
    select department, month, submission_ids, 'delivered_places' as metric_code,
        delivered_places::double as metric_value
    from places_by_month
),

final as (
    select
        department,
        month,
        metric_code,
        metric_value,
        null::double as growth_pct,
        submission_ids
    from derived
    union all
    select
        department,
        period as month,
        metric_code,
        value_ytd::double as metric_value,
        growth_pct::double as growth_pct,
        [submission_id] as submission_ids
    from marts.fact_headline_statistics
)

select * from final;
