-- A restatement: an accepted submission that no longer counts for any period it covers has been
-- replaced by a later one from the same department. It stays in raw and in the ledger, marked.
update ledger.submissions as s
set
    status = 'superseded',
    superseded_by = r.replaced_by,
    message_en = 'Superseded by a later submission for the same periods (' || r.replaced_by || ').',
    message_zh = '已被同一报告期的更新报送替代（' || r.replaced_by || '）。'
from (
    select
        p.submission_id,
        min(c.submission_id) as replaced_by
    from ledger.submission_periods as p
    inner join ledger.submissions as own on p.submission_id = own.submission_id
    inner join staging.current_submissions as c
        on own.feed = c.feed and own.department = c.department and p.period = c.period
    where own.feed = $feed and own.status in ('accepted', 'accepted_with_quarantine')
    group by p.submission_id
    having count(*) filter (where c.submission_id = p.submission_id) = 0
) as r
where s.submission_id = r.submission_id;
