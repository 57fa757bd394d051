-- The submission that counted for each feed, department and period when the facts were last
-- made: each marts.<fact> view reads the raw files of these submissions and keeps their rows
-- of these periods, in the warehouse and in the analysts' file, so both show the facts as of
-- the last facts step (a file received since counts from the next). A warehouse gets it filled
-- once, when made; the facts step replaces it.
create table if not exists marts.current_submissions as
select
    feed,
    department,
    period,
    submission_id
from staging.current_submissions;

-- Counts per current (submission, month) of a feed's conformed rows, made once from the raw
-- files of the submissions that arrived: a submission's rows never change (one validated again,
-- its quarantine changed, is counted again: validated_at). The Dagster UI's row counts and
-- previews of staging and the facts read pair_rows instead of counting a national year's rows
-- each time a month arrives, and marts.feed_metrics sums pair_events instead of counting every
-- event again (sql/marts/pairs_arriving.sql, pair_rows.sql, pair_events.sql).
create table if not exists staging.pair_rows (
    feed varchar not null,
    submission_id varchar not null,
    period date not null,
    validated_at timestamptz,
    department varchar,
    row_count bigint not null
);

create table if not exists staging.pair_events (
    feed varchar not null,
    submission_id varchar not null,
    period date not null,
    validated_at timestamptz,
    department varchar,
    new_registrations bigint not null,
    high_tech_certified bigint not null,
    high_tech_revoked bigint not null,
    trade_filings bigint not null
);

-- The layouts before: fact rows written again from staging, by submission inside each database
-- file and then to Parquet files of their own (those files are left for an analysts' file
-- published before to read; a deployment's operator may delete <warehouse>.facts/fact_*/).
drop table if exists staging.fact_contents;
drop table if exists staging.published_file;
drop table if exists staging.fact_files;
drop table if exists staging.fact_event_counts;
drop table if exists staging.event_counts;
drop view if exists staging.fact_projects;
drop view if exists staging.fact_enterprise_events;
drop view if exists staging.fact_tourism_revenue;
drop view if exists staging.fact_school_places;
drop view if exists staging.fact_headline_statistics;
