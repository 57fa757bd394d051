-- The current (submission, month) pairs of the registrations feed as staging.event_counts keeps
-- them: counts of pairs no longer current (replaced, or validated again) are forgotten, and
-- event_arriving lists the pairs not counted yet, which sql/marts/event_counts.sql counts.
create or replace temp table event_pairs as
select
    c.submission_id,
    c.period,
    s.validated_at,
    c.department
from marts.current_submissions as c
inner join ledger.submissions as s on c.submission_id = s.submission_id
where c.feed = 'enterprise_registrations';

delete from staging.event_counts as e
where not exists (
    select 1
    from event_pairs as p
    where
        p.submission_id = e.submission_id
        and p.period = e.period
        and p.validated_at is not distinct from e.validated_at
);

create or replace temp table event_arriving as
select *
from event_pairs as p
where not exists (
    select 1
    from staging.event_counts as e
    where e.submission_id = p.submission_id and e.period = p.period
);
