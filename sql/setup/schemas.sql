-- Schemas and tables every run can rely on. Idempotent: safe to run at the start of each run.
create schema if not exists raw;
create schema if not exists ledger;
create schema if not exists reference;
create schema if not exists staging;
create schema if not exists marts;

-- One row per arrival: every distinct file (path and content) that landed, whatever happened to it.
create table if not exists ledger.submissions (
    submission_id varchar primary key,
    feed varchar not null,
    department varchar,
    file_name varchar not null,
    landing_path varchar not null,
    archive_path varchar not null,
    size_bytes bigint not null,
    sha256 varchar not null,
    received_at timestamptz not null,
    rows_read integer,
    rows_accepted integer,
    rows_quarantined integer,
    status varchar not null,
    message_en varchar,
    message_zh varchar,
    validated_at timestamptz,
    duplicate_of varchar,
    superseded_by varchar,
    reported_at timestamptz,
    warnings_en varchar,
    warnings_zh varchar,
    file_title varchar,
    file_notes json
);

create table if not exists ledger.submission_periods (
    submission_id varchar not null,
    period date not null,
    primary key (submission_id, period)
);

create table if not exists ledger.quarantine (
    submission_id varchar not null,
    row_number integer not null,
    column_name varchar,
    rule varchar not null,
    value_found varchar,
    reason_en varchar not null,
    reason_zh varchar not null
);

-- Alerts for the responsible department: raised once each (the key), delivered at most once.
create table if not exists ledger.alerts (
    alert_key varchar primary key,
    raised_at timestamptz not null,
    kind varchar not null,
    feed varchar not null,
    department varchar,
    subject varchar not null,
    message_en varchar not null,
    message_zh varchar not null,
    sent_at timestamptz,
    delivery_error varchar,
    attempts integer not null default 0,
    last_attempt_at timestamptz,
    next_attempt_at timestamptz
);
-- Delivery attempts are counted since alerts were delivered outside the runs (a warehouse made
-- before has the columns added).
alter table ledger.alerts add column if not exists attempts integer default 0;
alter table ledger.alerts add column if not exists last_attempt_at timestamptz;
alter table ledger.alerts add column if not exists next_attempt_at timestamptz;

-- Files whose reading a run did not finish (the process died in it): the first interruption
-- lets the next run read the file again, a second rejects it (pipelines/store/ingest.py).
create table if not exists ledger.interruptions (
    submission_id varchar not null,
    noticed_at timestamptz not null
);

-- The receipt (回执) written to the department's outbox for each submission, once its outcome
-- was final (pipelines/reports/receipts.py).
create table if not exists ledger.receipts (
    submission_id varchar primary key,
    written_at timestamptz not null,
    receipt_path varchar not null,
    workbook_path varchar
);

-- What the scorecard said, one row per indicator each time its reading changed: the record for
-- "what did it say on date X" (as reported then). Append-only.
create table if not exists ledger.scorecard_history (
    recorded_at timestamptz not null,
    indicator_id varchar not null,
    as_of date,
    actual_value double,
    target_value double,
    status varchar not null,
    status_zh varchar not null,
    submission_ids varchar[] not null,
    evaluated_on date not null,
    status_month date,
    last_status varchar
);
-- The month owed and the last known figure's status are recorded since the status follows the
-- month owed (a warehouse made before has the columns added; its older readings leave them empty).
alter table ledger.scorecard_history add column if not exists status_month date;
alter table ledger.scorecard_history add column if not exists last_status varchar;

-- The SHA-256 of each file seen in landing, by where it is and its size, inode and modification
-- time: a file unchanged since it was last hashed is not read again, so a night with nothing new
-- does not read every department's file through (2.6 GB at national scale). Only a cache: any
-- change to the file gives another key and a new hash; the ledger keeps the content's identity.
create table if not exists raw.landing_hashes (
    landing_path varchar not null,
    size_bytes bigint not null,
    inode bigint not null,
    modified_ns bigint not null,
    sha256 varchar not null
);
