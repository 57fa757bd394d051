-- A feed's conformed rows: the typed rows of each period's current submission, less the rows
-- held in quarantine. staging.<feed> is this query over the typed view of all raw rows and the
-- live current submissions; each marts.<fact> is it over the raw files of the submissions that
-- counted when the facts were last made (marts.current_submissions), in the warehouse and in the
-- analysts' file alike. The typed rows and the current submissions are filled in by the caller.
with
source as (
    -- The text as received beside each typed column is for validation's messages only.
    select * not like '%\_\_text' escape '\' from {typed}
),

-- Submission ids are unique across feeds, so joining on them keeps this feed's rows only.
current_submission as (
    select
        submission_id,
        department,
        period
    from {current}
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

select * from final
