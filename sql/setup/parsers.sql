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
