-- The actual value of each indicator for each month of each plan year whose data is complete,
-- read from marts.feed_metrics as that year's catalog row says (metric_code, measure), keyed by
-- plan year, indicator and month:
--   count, sum, level, net_increase: the metric's year-to-date value as it stands;
--   growth: (this year's cumulative / the same months last year - 1) * 100, in percent, the
--           baseline being the feed's own previous year;
--   growth_reported: the growth the statistics bureau reports (comparable prices);
--   stock: the baseline_metric reported for December last year + this year's metric.
-- A relative target (与…同步) also carries the actual of its reference indicator, same month.
create or replace table marts.indicator_actuals as
with
observations as (
    select
        i.plan_year,
        i.indicator_id,
        f.month,
        case i.measure
            when 'growth_reported' then f.growth_pct
            when 'growth' then round((f.metric_value / nullif(p.metric_value, 0) - 1) * 100, 2)
            when 'stock' then b.metric_value + f.metric_value
            else f.metric_value
        end as actual_value,
        b.metric_value as baseline_value,
        list_concat(
            f.submission_ids, coalesce(p.submission_ids, []), coalesce(b.submission_ids, [])
        ) as submission_ids
    from marts.dim_indicator as i
    inner join marts.feed_metrics as f
        on i.metric_code = f.metric_code and i.source_department = f.department
    left join marts.feed_metrics as p
        on i.measure = 'growth'
        and f.metric_code = p.metric_code
        and f.department = p.department
        and p.month = f.month - interval 1 year
    left join marts.feed_metrics as b
        on i.measure = 'stock'
        and i.baseline_metric = b.metric_code
        and i.source_department = b.department
        and b.month = make_date(year(f.month) - 1, 12, 1)
    where year(f.month) = i.plan_year
        and (i.measure <> 'growth' or p.metric_value is not null)
        and (i.measure <> 'stock' or b.metric_value is not null)
),

final as (
    select
        o.indicator_id,
        o.month,
        o.actual_value,
        r.actual_value as reference_value,
        o.baseline_value,
        list_sort(list_distinct(list_concat(o.submission_ids, coalesce(r.submission_ids, []))))
            as submission_ids,
        -- The plan year the month belongs to, a key with indicator_id and month; last, so the
        -- columns before it stay where they were.
        o.plan_year
    from observations as o
    inner join marts.dim_indicator as i
        on o.plan_year = i.plan_year and o.indicator_id = i.indicator_id
    left join observations as r
        on o.plan_year = r.plan_year and i.reference_indicator = r.indicator_id
        and o.month = r.month
    where o.actual_value is not null
        and (i.reference_indicator is null or r.actual_value is not null)
)

select * from final
order by plan_year, indicator_id, month;
