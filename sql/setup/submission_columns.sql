-- How each submission's columns are to be read: the header the file used, the unit it named and
-- the factor to the contract's unit (亿元 in a 万元 column is 10000), the year that months
-- written without one (3月, 1-3月) belong to, taken from the file's title, and the Excel column
-- letter the values were read from. The typed views join it, so raw keeps the text as received
-- and one file's unit never leaks into another's.
-- unit_factor holds eight decimals: 元 to 亿元 is 0.00000001, which four would round to 0.
create table if not exists ledger.submission_columns (
    submission_id varchar not null,
    column_name varchar not null,
    header_found varchar not null,
    unit_found varchar,
    unit_factor decimal(18, 8),
    default_year integer,
    source_column varchar,
    primary key (submission_id, column_name)
);
-- A ledger made before the column letter was recorded: earlier rows keep it empty.
alter table ledger.submission_columns add column if not exists source_column varchar;
