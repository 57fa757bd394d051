-- marts.fact_school_places: School building projects and their places.
-- From the feed's conformed rows (sql/staging/conformed.sql), read from the raw files.
select
    department,
    period,
    school_project,
    stage,
    places,
    planned_delivery_on,
    delivered_on,
    submission_id
from {source}
