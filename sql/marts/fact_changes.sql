-- Which (submission, period) pairs of one fact table leave and arrive: the live files compared
-- with the feed's current submissions, their verdict's time and the fact's column signature.
-- The work that follows is in proportion to the submissions that changed, not to the facts.
create or replace temp table fact_wanted as
select
    c.submission_id,
    c.period,
    s.validated_at,
    $signature as signature
from staging.current_submissions as c
inner join ledger.submissions as s on c.submission_id = s.submission_id
where c.feed = $feed;

create or replace temp table fact_held as
select distinct
    submission_id,
    period,
    validated_at,
    signature
from staging.fact_files
where fact_table = $fact_table and retired_at is null;

create or replace temp table fact_leaving as
select * from fact_held
except
select * from fact_wanted;

create or replace temp table fact_arriving as
select * from fact_wanted
except
select * from fact_held;
