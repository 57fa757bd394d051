-- A feed's conformed rows: the typed rows of each period's current submission, less the rows
-- held in quarantine. A view: the rows are already typed and stored once, and the facts are
-- the table analysts get, so a national feed is not written a third time. {feed} and
-- {feed_typed} are quoted identifiers filled in by the caller.
create or replace view staging.{feed} as
with
source as (
    -- The text as received beside each typed column is for validation's messages only.
    select * not like '%\_\_text' escape '\' from staging.{feed_typed}
),

-- Submission ids are unique across feeds, so joining on them keeps this feed's rows only.
current_submission as (
    select
        submission_id,
        department,
        period
    from staging.current_submissions
),

final as (
    select
        c.department,
        s.*
    from source as s
    inner join current_submission as c
        on s.submission_id = c.submission_id and s.period = c.period
    where not exists (
        select 1
        from ledger.quarantine as q
        where q.submission_id = s.submission_id and q.row_number = s.row_number
    )
)

select * from final;
