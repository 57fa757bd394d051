-- marts.fact_headline_statistics: Headline statistics, as reported.
-- From the feed's conformed rows (sql/staging/conformed.sql), read from the raw files.
select
    department,
    period,
    metric_code,
    metric_name,
    value_ytd,
    unit,
    growth_pct,
    submission_id
from {source}
