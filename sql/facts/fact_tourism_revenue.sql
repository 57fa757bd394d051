-- marts.fact_tourism_revenue: Tourism revenue by scenic area, also in 亿元.
-- From the feed's conformed rows (sql/staging/conformed.sql), read from the raw files.
select
    department,
    period,
    area,
    visitors,
    revenue_wan,
    -- 1 亿元 = 10,000 万元
    revenue_wan / 10000 as revenue_yi,
    submission_id
from {source}
