-- The rows each fact table holds, per feed, from staging, with amounts also in 亿元 where targets
-- use 亿元. Views: each (submission, period) that counts is written from them once, to a Parquet
-- file that marts.<fact> reads (pipelines/store/facts.py), so a quiet night writes no row and a
-- month's file writes its own.
create or replace view staging.fact_projects as
with
source as (
    select * from staging.projects
),

final as (
    select
        department,
        period,
        project_code,
        project_name,
        project_type,
        investor,
        capital_source,
        signed_on,
        contracted_amount_wan,
        -- 1 亿元 = 10,000 万元
        contracted_amount_wan / 10000 as contracted_amount_yi,
        utilised_capital_ytd_wan,
        project_level,
        approved_on,
        started_on,
        planned_annual_investment_wan,
        completed_investment_ytd_wan,
        -- 1 亿元 = 10,000 万元
        completed_investment_ytd_wan / 10000 as completed_investment_ytd_yi,
        submission_id
    from source
)

select * from final;

create or replace view staging.fact_enterprise_events as
with
source as (
    select * from staging.enterprise_registrations
),

final as (
    select
        department,
        period,
        credit_code,
        enterprise_name,
        event_type,
        event_date,
        industry,
        submission_id
    from source
)

select * from final;

create or replace view staging.fact_tourism_revenue as
with
source as (
    select * from staging.tourism_revenue
),

final as (
    select
        department,
        period,
        area,
        visitors,
        revenue_wan,
        -- 1 亿元 = 10,000 万元
        revenue_wan / 10000 as revenue_yi,
        submission_id
    from source
)

select * from final;

create or replace view staging.fact_school_places as
with
source as (
    select * from staging.school_places
),

final as (
    select
        department,
        period,
        school_project,
        stage,
        places,
        planned_delivery_on,
        delivered_on,
        submission_id
    from source
)

select * from final;

create or replace view staging.fact_headline_statistics as
with
source as (
    select * from staging.headline_statistics
),

final as (
    select
        department,
        period,
        metric_code,
        metric_name,
        value_ytd,
        unit,
        growth_pct,
        submission_id
    from source
)

select * from final;
