-- Bring staging.fact_event_counts in step with the live files of marts.fact_enterprise_events:
-- forget the counts of files no longer live, count the files not counted yet: the parameter
-- files names them as staging.fact_files does, paths the same files on disk, in the same order.
delete from staging.fact_event_counts
where file not in (
    select file from staging.fact_files
    where fact_table = 'fact_enterprise_events' and retired_at is null
);

insert into staging.fact_event_counts
with counted as (
    select
        filename,
        department,
        period,
        count(credit_code) filter (where event_type = '新登记') as new_registrations,
        count(credit_code) filter (where event_type = '高企认定') as high_tech_certified,
        count(credit_code) filter (where event_type = '高企撤销') as high_tech_revoked,
        count(credit_code) filter (where event_type = '外贸备案') as trade_filings
    from read_parquet($paths, filename = true)
    group by all
),

listed as (
    select
        unnest($paths) as path,
        unnest($files) as file
)

select
    listed.file,
    counted.department,
    counted.period,
    counted.new_registrations,
    counted.high_tech_certified,
    counted.high_tech_revoked,
    counted.trade_filings
from counted
inner join listed on counted.filename = listed.path;
