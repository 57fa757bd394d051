-- Record what the copy now holds: the leaving pairs out, the arriving pairs in.
delete from staging.fact_contents as c
using fact_leaving as l
where
    c.holder = $holder
    and c.submission_id = l.submission_id
    and c.period = l.period
    and c.validated_at is not distinct from l.validated_at;

insert into staging.fact_contents
select
    $holder,
    submission_id,
    period,
    validated_at
from fact_arriving;
