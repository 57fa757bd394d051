-- Count the conformed rows of the pairs in pairs_arriving (sql/marts/pairs_arriving.sql) once,
-- reading those submissions' raw files alone. A pair whose rows are all in quarantine is kept
-- with 0.
insert into staging.pair_rows
with
counted as (
    select
        submission_id,
        period,
        count(*) as row_count
    from {rows}
    group by all
)

-- pairs_arriving's columns are the table's after the feed: submission, period, verdict, department.
select
    $feed as feed,
    a.*,
    coalesce(c.row_count, 0) as row_count
from pairs_arriving as a
left join counted as c on a.submission_id = c.submission_id and a.period = c.period;
