-- How each submission's columns are to be read: the header the file used, the unit it named and
-- the factor to the contract's unit (亿元 in a 万元 column is 10000), and the year that months
-- written without one (3月, 1-3月) belong to, taken from the file's title. The typed views join it,
-- so raw keeps the text as received and one file's unit never leaks into another's.
create table if not exists ledger.submission_columns (
    submission_id varchar not null,
    column_name varchar not null,
    header_found varchar not null,
    unit_found varchar,
    unit_factor decimal(10, 4),
    default_year integer,
    primary key (submission_id, column_name)
);
