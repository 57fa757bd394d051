-- Value parsers for department text, in SQL so that feeds of millions of rows are typed inside
-- DuckDB. Each accepts the forms clerks type; anything else parses to null, and validation
-- reports it with the text found.

-- Full-width digits and punctuation (what a Chinese input method types) folded to ASCII, then
-- surrounding spaces (ideographic and no-break too) and Excel's leading text apostrophe removed.
-- Text that is all ASCII (as many bytes as characters) has nothing to fold: skipping translate
-- for it makes typing a national feed several times faster.
create or replace macro fold_text(t) as regexp_replace(
    case
        when strlen(t) = length(t) then t
        else translate(t, '０１２３４５６７８９．，－−（）％／：＋', '0123456789.,--()%/:+')
    end,
    '^[\s\p{Z}]*''?[\s\p{Z}]*|[\s\p{Z}]*$',
    '',
    'g'
);

-- Numbers: spaces dropped, and commas where they group thousands (1,234,567.5); "12.3%" read in
-- percentage points (the unit the contracts use for rates), accounting negatives "(1,234.5)" read
-- as -1234.5. A comma that groups no thousands is no number: 345,6 is a decimal comma, and
-- dropping it read 345.6 as 3456. The scale is wide so that a unit conversion (亿元 to 万元) in
-- the typed views loses no digits.
-- Each parser first takes the form a template produces (1234.5, 2024-03-05, 2024-03) directly:
-- most rows of a large feed are in it, and the general path costs several regexes per value.
create or replace macro parse_number(t) as case
    when regexp_full_match(t, '-?\d+(\.\d+)?') then try_cast(t as decimal(28, 10))
    else list_transform(
        [regexp_replace(fold_text(t), '[\s\p{Z}]', '', 'g')],
        lambda s: case
            when contains(s, ',') and not regexp_full_match(s, '[(+-]?\d{1,3}(,\d{3})+(\.\d+)?%?\)?')
                then null
            else try_cast(
                regexp_replace(regexp_replace(replace(s, ',', ''), '%$', ''), '^\((.*)\)$', '-\1')
                as decimal(28, 10)
            )
        end
    )[1]
end;

-- A date from its parts; null when they name no day (2024-02-30).
create or replace macro make_day(y, m, d) as
    try_strptime(y::varchar || '-' || m::varchar || '-' || d::varchar, '%Y-%m-%d')::date;

-- Dates: 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日 (a time after it is ignored), 20240305, and
-- Excel serial day numbers (45356 is 2024-03-05) when a workbook cell lost its date format; only
-- serials between 1990-01-01 (32874) and 2099-12-31 (73050) are taken as dates. `folded_date`
-- reads text already folded (`fold_text`).
create or replace macro folded_date(f) as case
    when
        regexp_matches(
            f, '^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$'
        )
        then make_day(
            regexp_extract(f, '^(\d{4})', 1),
            regexp_extract(f, '^\d{4}\s*[-/.年]\s*(\d{1,2})', 1),
            regexp_extract(f, '^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*(\d{1,2})', 1)
        )
    when regexp_matches(f, '^\d{8}$') then try_strptime(f, '%Y%m%d')::date
    when
        regexp_matches(f, '^\d{5}(\.0+)?$') and try_cast(f as double) between 32874 and 73050
        then date '1899-12-30' + try_cast(try_cast(f as double) as integer)
end;

-- A macro's parameter is copied wherever it is used: the text is folded once and handed to the
-- general path as a lambda's parameter, not folded again in each test. Each fold_text copy cost
-- half a millisecond at the start of every statement that parses, whatever its rows: parsing a
-- month took 9.8 ms per statement, the greater part of receiving a district's small file.
create or replace macro parse_date(t) as case
    when regexp_full_match(t, '\d{4}-\d{2}-\d{2}') then try_strptime(t, '%Y-%m-%d')::date
    else list_transform([fold_text(t)], lambda f: folded_date(f))[1]
end;

-- The first day of a month from its parts; null when the month is not 1-12.
create or replace macro make_month(y, m) as
    try_strptime(y::varchar || '-' || m::varchar, '%Y-%m')::date;

-- Months: 2024-03, 2024/3, 2024.03, 202403, 2024年3月, and the cumulative 2024年1-3月 (its period
-- is the last month). "3月" and "1-3月" carry no year: `year` supplies it (the typed views pass
-- the year of the file's title), else the month is null and validation rejects the row. A full
-- date (a workbook cell Excel turned into a date) stands for its month.
-- 2023.1 is no month: Excel shows the number 2023.10 so (it drops a number's trailing zero), so
-- it may be January or October. It parses to null here; on receipt the file's title or name
-- settles it, or the file is refused naming both readings (`pipelines.files.period`).
create or replace macro folded_month(f, year) as case
    when regexp_full_match(f, '\d{4}\s*\.\s*1') then null
    when regexp_matches(f, '^(\d{4}\s*年)?\s*(\d{1,2}\s*[-~～至到—]\s*)?\d{1,2}\s*月份?(累计)?$')
        then make_month(
            coalesce(try_cast(regexp_extract(f, '^(\d{4})\s*年', 1) as integer), year),
            regexp_extract(f, '(\d{1,2})\s*月份?(累计)?$', 1)
        )
    when regexp_matches(f, '^\d{4}\s*[-/.]\s*\d{1,2}$')
        then make_month(regexp_extract(f, '^(\d{4})', 1), regexp_extract(f, '(\d{1,2})$', 1))
    when regexp_matches(f, '^\d{6}$') then make_month(f[1:4], f[5:6])
    else date_trunc('month', folded_date(f))::date
end;

create or replace macro parse_month(t, year := null) as case
    when regexp_full_match(t, '\d{4}-\d{2}') then try_strptime(t, '%Y-%m')::date
    else list_transform([fold_text(t)], lambda f: folded_month(f, year))[1]
end;

-- Yes/no answers as clerks write them: 是/否, √/×, Y/N, yes/no, true/false, 1/0.
create or replace macro parse_flag(t) as case
    when upper(fold_text(t)) in ('是', '√', '✓', 'Y', 'YES', 'TRUE', '1') then true
    when upper(fold_text(t)) in ('否', '×', '✗', 'N', 'NO', 'FALSE', '0') then false
end;
