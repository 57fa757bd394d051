-- Which scenic areas grew their 2024 tourism revenue most against the same months of 2023?
-- Revenue is a monthly flow (万元): sum January to the latest 2024 month reported, and the same
-- months of 2023 (同比), as T12 does for the whole district.
with
latest_month as (
    select max(period) as month
    from marts.fact_tourism_revenue
    where year(period) = 2024
),

by_area as (
    select
        t.area,
        l.month as through_month,
        sum(t.revenue_wan) filter (where year(t.period) = 2024) as revenue_2024_wan,
        sum(t.revenue_wan) filter (where year(t.period) = 2023) as revenue_2023_wan
    from marts.fact_tourism_revenue as t
    cross join latest_month as l
    where month(t.period) <= month(l.month)
    group by t.area, l.month
),

final as (
    select
        area,
        through_month,
        revenue_2024_wan,
        revenue_2023_wan,
        round((revenue_2024_wan / nullif(revenue_2023_wan, 0) - 1) * 100, 2) as growth_pct
    from by_area
)

select * from final
order by growth_pct desc nulls last, area;
