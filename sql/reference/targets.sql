-- Every version of every plan year's targets, from the supervision office's accepted plan files
-- (staging.plans: the current submission for each 生效月份). The plan year is the year of the
-- month a file takes effect from; within a plan year an indicator's versions are numbered in the
-- order they took effect, so a revised target is a new version and the original stays.
create or replace table reference.targets as
with
source as (
    select * from staging.plans
),

final as (
    select
        indicator_id,
        cast(row_number() over (
            partition by year(period), indicator_id order by period
        ) as integer) as version,
        period as valid_from,
        cast(year(period) as integer) as plan_year,
        name_zh,
        name_en,
        plan_words_zh,
        cast(target_value as double) as target_value,
        comparator,
        cast(tolerance as double) as tolerance,
        unit,
        measure,
        lead_department,
        feed,
        source_department,
        reference_indicator,
        metric_code,
        baseline_metric,
        frequency,
        submission_id
    from source
)

select * from final
order by plan_year, indicator_id, version;

-- The months of every plan year on record, which the marts score and the feeds owe.
create or replace view reference.plan_months as
with
plan_years as (
    select distinct plan_year from reference.targets
),

final as (
    select
        plan_year,
        cast(unnest(generate_series(
            make_date(plan_year, 1, 1), make_date(plan_year, 12, 1), interval 1 month
        )) as date) as month
    from plan_years
)

select * from final;
