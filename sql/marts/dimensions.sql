-- Departments and the indicator catalog as analysts use them: one row per department, one row
-- per plan year and indicator (the target version in force), and every version of every target
-- of every plan year on record. An indicator id names the same measure in every plan year.
create or replace table marts.dim_department as
select
    department_code,
    name_zh,
    name_en
from reference.departments;

create or replace table marts.target_history as
select
    *,
    version = max(version) over (partition by plan_year, indicator_id) as is_current
from reference.targets;

create or replace table marts.dim_indicator as
with
current_version as (
    select * exclude (is_current)
    from marts.target_history
    where is_current
),

final as (
    select
        t.indicator_id,
        t.version as target_version,
        t.valid_from,
        t.plan_year,
        t.name_zh,
        t.name_en,
        t.plan_words_zh,
        t.target_value,
        t.comparator,
        t.tolerance,
        t.unit,
        t.measure,
        t.lead_department,
        d.name_zh as lead_department_zh,
        t.feed,
        t.source_department,
        t.reference_indicator,
        t.metric_code,
        t.baseline_metric,
        t.frequency
    from current_version as t
    left join reference.departments as d on t.lead_department = d.department_code
)

select * from final
order by plan_year, indicator_id;
