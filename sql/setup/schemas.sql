-- Schemas and tables every run can rely on. Idempotent: safe to run at the start of each run.
create schema if not exists raw;
create schema if not exists ledger;
create schema if not exists reference;
create schema if not exists staging;
create schema if not exists marts;

-- Value parsers for department text. Numbers drop thousands separators; dates and months accept
-- the forms clerks type. Anything else parses to null, and validation reports it.
create or replace macro parse_number(t) as
    try_cast(regexp_replace(trim(t), '[,，\s]', '', 'g') as decimal(18, 4));

create or replace macro parse_date(t) as coalesce(
    try_cast(trim(t) as date),
    try_strptime(trim(t), '%Y年%m月%d日')::date,
    try_strptime(trim(t), '%Y/%m/%d')::date,
    try_strptime(trim(t), '%Y.%m.%d')::date,
    try_strptime(trim(t), '%Y%m%d')::date
);

create or replace macro parse_month(t) as coalesce(
    try_strptime(trim(t), '%Y-%m')::date,
    try_strptime(trim(t), '%Y年%m月')::date,
    try_strptime(trim(t), '%Y%m')::date,
    try_strptime(trim(t), '%Y/%m')::date,
    try_strptime(trim(t), '%Y.%m')::date
);

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
    validated_at timestamptz
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
