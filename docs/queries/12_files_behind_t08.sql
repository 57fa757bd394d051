-- Which department files does T08's current figure rest on?
-- Every actual lists its submissions; the ledger names each file, its month and its fate.
select
    p.period,
    s.department,
    s.file_name,
    s.received_at,
    s.rows_accepted,
    s.status
from marts.indicator_progress as i
cross join unnest(i.submission_ids) as u (submission_id)
inner join ledger.submissions as s on u.submission_id = s.submission_id
inner join ledger.submission_periods as p on s.submission_id = p.submission_id
where i.indicator_id = 'T08' and i.is_current_plan_year
order by p.period, s.file_name;
