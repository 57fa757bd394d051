-- The current (submission, month) pairs of the feed $feed as the counts table given keeps
-- them: counts of pairs no longer current (replaced, or validated again: validated_at) are
-- forgotten, and pairs_arriving lists the pairs not counted yet, which the caller counts from
-- those submissions' raw files alone (sql/marts/pair_rows.sql, sql/marts/pair_events.sql).
create or replace temp table pairs_current as
select
    c.submission_id,
    c.period,
    s.validated_at,
    c.department
from staging.current_submissions as c
inner join ledger.submissions as s on c.submission_id = s.submission_id
where c.feed = $feed;

delete from {counts} as e
where
    e.feed = $feed
    and not exists (
        select 1
        from pairs_current as p
        where
            p.submission_id = e.submission_id
            and p.period = e.period
            and p.validated_at is not distinct from e.validated_at
    );

create or replace temp table pairs_arriving as
select *
from pairs_current as p
where not exists (
    select 1
    from {counts} as e
    where e.feed = $feed and e.submission_id = p.submission_id and e.period = p.period
);
