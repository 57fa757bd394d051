-- The Parquet files that hold the fact tables' rows, one per (submission, period) that counts.
-- Each is written once, when its submission becomes current, and never changed: the warehouse's
-- and the analysts' marts.<fact> views both read the live ones, so a quiet night writes no row
-- and a month's file writes its own. A pair carries its verdict's time and the fact's column
-- signature, so a submission validated again, or a release that changes a fact's columns,
-- writes the pair anew. A file no longer counted is retired, and deleted a day later: an
-- analyst may still have the analysts' file that read it open.
create table if not exists staging.fact_files (
    fact_table varchar not null,
    submission_id varchar not null,
    period date not null,
    validated_at timestamptz,
    signature varchar not null,
    file varchar not null,
    row_count bigint not null,
    retired_at timestamptz
);

-- Records of the layout before (fact tables kept by submission inside each database file).
drop table if exists staging.fact_contents;
drop table if exists staging.published_file;

-- Enterprise events per department and month, counted once for each live fact file: a file's
-- rows never change (a pair validated again gets a new file), so a month's file is counted when
-- it first becomes live, and marts.feed_metrics sums these counts instead of counting a
-- national year's events again each night (sql/marts/event_counts.sql).
create table if not exists staging.fact_event_counts (
    file varchar not null,
    department varchar,
    period date,
    new_registrations bigint not null,
    high_tech_certified bigint not null,
    high_tech_revoked bigint not null,
    trade_filings bigint not null
);
