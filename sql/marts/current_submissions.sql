-- Replace the record of which submission counts for each feed, department and period, that the
-- fact views read (sql/setup/facts.sql), with the feeds' current submissions now; current_changes
-- says per feed how many (submission, period) pairs left and arrived. The work is in proportion
-- to the submissions, never to the rows.
create or replace temp table current_changes as
with
held as (
    select feed, department, period, submission_id from marts.current_submissions
),

wanted as (
    select feed, department, period, submission_id from staging.current_submissions
),

changed as (
    select feed, 'leaving' as side from (select * from held except select * from wanted)
    union all
    select feed, 'arriving' as side from (select * from wanted except select * from held)
)

select
    feed,
    count(*) filter (where side = 'leaving') as periods_removed,
    count(*) filter (where side = 'arriving') as periods_added
from changed
group by feed;

create or replace table marts.current_submissions as
select
    feed,
    department,
    period,
    submission_id
from staging.current_submissions
order by all;
