-- What did the scorecard say on 2024-12-01, as reported then?
-- ledger.scorecard_history is append-only: the reading in force on a day is each indicator's
-- latest reading judged on or before it. evaluated_on is the day a run judged pace on: the run's
-- own day, or the replayed day (WORKPLAN_AS_OF_DATE, as in the demo); recorded_at is the clock.
select
    indicator_id,
    as_of,
    actual_value,
    target_value,
    status,
    status_zh,
    evaluated_on,
    recorded_at
from ledger.scorecard_history
where evaluated_on <= date '2024-12-01'
qualify row_number() over (partition by indicator_id order by recorded_at desc) = 1
order by indicator_id;
