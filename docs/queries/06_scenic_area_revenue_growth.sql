-- Which scenic areas grew their tourism revenue most this year against the same months of last?
-- Revenue is a monthly flow (万元): sum January to the latest month reported, and the same
-- months of the year before (同比), as T12 (growth) does for the whole district; this year's sum
-- over the areas is T22 (the revenue itself).
with
latest_month as (
    select max(period) as month
    from marts.fact_tourism_revenue
),

by_area as (
    select
        t.area,
        l.month as through_month,
        sum(t.revenue_wan) filter (where year(t.period) = year(l.month)) as revenue_wan,
        sum(t.revenue_wan) filter (
            where year(t.period) = year(l.month) - 1
        ) as revenue_last_year_wan
    from marts.fact_tourism_revenue as t
    cross join latest_month as l
    where year(t.period) >= year(l.month) - 1 and month(t.period) <= month(l.month)
    group by t.area, l.month
),

final as (
    select
        area,
        through_month,
        revenue_wan,
        revenue_last_year_wan,
        round((revenue_wan / nullif(revenue_last_year_wan, 0) - 1) * 100, 2) as growth_pct
    from by_area
)

select * from final
order by growth_pct desc nulls last, area;
