-- The scorecard holds every indicator of the plan exactly once: each of the catalog's indicator
-- ids ($expected, read from catalog/targets.csv) has one row in marts.indicator_progress, and no
-- other indicator has any. Returns one row per problem; none when the check passes.
with
expected as (
    select unnest(cast($expected as varchar[])) as indicator_id
),

found as (
    select
        indicator_id,
        count(*) as row_count
    from marts.indicator_progress
    group by indicator_id
)

select
    coalesce(e.indicator_id, f.indicator_id) as indicator_id,
    case
        when f.indicator_id is null then 'missing'
        when e.indicator_id is null then 'not in the catalog'
        else 'on ' || f.row_count || ' rows'
    end as problem
from expected as e
full outer join found as f on e.indicator_id = f.indicator_id
where f.indicator_id is null or e.indicator_id is null or f.row_count > 1
order by indicator_id;
