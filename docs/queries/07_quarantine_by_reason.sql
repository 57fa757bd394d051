-- How many rows are held back (暂不计入) by rule and reason, and in which files?
-- Rows of an accepted file that break a rule are quarantined; a file with too many such rows is
-- rejected whole, and its findings are listed here too (file_status = 'rejected').
select
    s.feed,
    s.status as file_status,
    q.column_name,
    q.rule,
    q.reason_en,
    q.reason_zh,
    count(*) as rows_held,
    string_agg(distinct s.file_name, ', ' order by s.file_name) as files
from ledger.quarantine as q
inner join ledger.submissions as s on q.submission_id = s.submission_id
group by s.feed, s.status, q.column_name, q.rule, q.reason_en, q.reason_zh
order by rows_held desc, s.feed, q.rule;
