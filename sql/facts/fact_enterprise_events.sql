-- marts.fact_enterprise_events: Enterprise events, as reported.
-- From the feed's conformed rows (sql/staging/conformed.sql), read from the raw files.
select
    department,
    period,
    credit_code,
    enterprise_name,
    event_type,
    event_date,
    industry,
    submission_id
from {source}
