-- Take the leaving pairs' rows out of {target} and add the arriving pairs' rows from {source}:
-- the work is in proportion to the submissions that changed, not to the facts.
delete from {target} as f
using fact_leaving as l
where f.submission_id = l.submission_id and f.period = l.period;

insert into {target}
select r.*
from {source} as r
semi join fact_arriving as a on r.submission_id = a.submission_id and r.period = a.period;
