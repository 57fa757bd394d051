-- One alert per rejected submission, naming the department that must resend it (in Chinese by
-- its name from the catalog, the folder's name where it is no department's).
insert or ignore into ledger.alerts by name
select
    'rejected:' || s.submission_id as alert_key,
    now() as raised_at,
    'rejected_file' as kind,
    s.feed,
    s.department,
    s.file_name as subject,
    'Rejected: ' || s.file_name || ' from ' || coalesce(nullif(s.department, ''), 'no department')
    || ' (' || s.feed || '). ' || coalesce(s.message_en, '') as message_en,
    '退回：' || coalesce(d.name_zh, nullif(s.department, ''), '未知报送单位') || '报送的“'
    || s.file_name || '”。' || coalesce(s.message_zh, '') as message_zh
from ledger.submissions as s
left join reference.departments as d on s.department = d.department_code
where s.status = 'rejected';
