-- The submission that counts for each feed, department and reporting period: the latest accepted
-- one. A restated file replaces the earlier one for the periods it covers; the earlier stays in raw.
create or replace view staging.current_submissions as
with
accepted as (
    select
        s.submission_id,
        s.feed,
        s.department,
        s.received_at,
        p.period
    from ledger.submissions as s
    inner join ledger.submission_periods as p on s.submission_id = p.submission_id
    where s.status in ('accepted', 'accepted_with_quarantine')
),

ranked as (
    select
        *,
        row_number() over (
            partition by feed, department, period
            order by received_at desc, submission_id desc
        ) as recency
    from accepted
),

final as (
    select
        submission_id,
        feed,
        department,
        period
    from ranked
    where recency = 1
)

select * from final;
