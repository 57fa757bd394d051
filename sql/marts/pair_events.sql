-- Count the events of the pairs in pairs_arriving (sql/marts/pairs_arriving.sql) once. The rows
-- are the conformed rows of those submissions' raw files alone, so the count reads the arriving
-- files, not the year's. A pair with no event (all its rows in quarantine) is kept with zeros,
-- so it is not counted again every night.
insert into staging.pair_events
with
counted as (
    select
        submission_id,
        period,
        count(credit_code) filter (where event_type = '新登记') as new_registrations,
        count(credit_code) filter (where event_type = '高企认定') as high_tech_certified,
        count(credit_code) filter (where event_type = '高企撤销') as high_tech_revoked,
        count(credit_code) filter (where event_type = '外贸备案') as trade_filings
    from {rows}
    group by all
)

-- pairs_arriving's columns are the table's after the feed: submission, period, verdict, department.
select
    $feed as feed,
    a.*,
    coalesce(c.new_registrations, 0) as new_registrations,
    coalesce(c.high_tech_certified, 0) as high_tech_certified,
    coalesce(c.high_tech_revoked, 0) as high_tech_revoked,
    coalesce(c.trade_filings, 0) as trade_filings
from pairs_arriving as a
left join counted as c on a.submission_id = c.submission_id and a.period = c.period;
