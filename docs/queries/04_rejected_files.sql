-- Which files were rejected (退回), and why?
-- The message names the rows, columns and values to fix, in English and for the clerk in Chinese.
select
    s.feed,
    s.department,
    d.name_zh as department_zh,
    s.file_name,
    s.received_at,
    s.rows_read,
    s.rows_quarantined,
    s.message_en,
    s.message_zh
from ledger.submissions as s
left join marts.dim_department as d on s.department = d.department_code
where s.status = 'rejected'
order by s.received_at desc, s.file_name;
