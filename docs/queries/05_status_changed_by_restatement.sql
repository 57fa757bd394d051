-- Which indicators changed status after a restatement (更正报送), and which file restated them?
-- A restatement changes figures, so the status compared is the last known figure's (last_status);
-- the current status, which the month owed also moves, is shown beside it. restated_by lists the
-- corrections among the submissions that arrived with the change; the file each one replaced is
-- marked superseded in the ledger and stays on record.
select
    c.indicator_id,
    i.name_zh,
    c.previous_last_status as previous_status,
    c.last_status as status,
    c.status as current_status,
    c.status_zh as current_status_zh,
    c.as_of,
    c.actual_value,
    c.recorded_at,
    correction.department,
    correction.file_name as correction_file,
    replaced.file_name as replaced_file
from marts.status_changes as c
inner join marts.dim_indicator as i
    on c.plan_year = i.plan_year and c.indicator_id = i.indicator_id
cross join unnest(c.restated_by) as r (submission_id)
inner join ledger.submissions as correction on r.submission_id = correction.submission_id
inner join ledger.submissions as replaced on correction.submission_id = replaced.superseded_by
where c.previous_last_status is distinct from c.last_status
order by c.recorded_at, c.indicator_id, replaced.file_name;
