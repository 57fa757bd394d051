-- The (submission, period) pairs a copy of a fact table should hold, with their verdict's time:
-- for the warehouse's facts, every current submission of the feed ($source_holder null); for the
-- analysts' copy, what the warehouse's fact table holds ($source_holder names it).
create or replace temp table fact_wanted as
select
    c.submission_id,
    c.period,
    s.validated_at
from staging.current_submissions as c
inner join ledger.submissions as s on c.submission_id = s.submission_id
where $source_holder is null and c.feed = $feed
union all
select
    submission_id,
    period,
    validated_at
from staging.fact_contents
where holder = $source_holder;

-- Pairs the copy holds that no longer count, and pairs that count which it lacks.
create or replace temp table fact_leaving as
select
    submission_id,
    period,
    validated_at
from staging.fact_contents
where holder = $holder
except
select * from fact_wanted;

create or replace temp table fact_arriving as
select * from fact_wanted
except
select
    submission_id,
    period,
    validated_at
from staging.fact_contents
where holder = $holder;
