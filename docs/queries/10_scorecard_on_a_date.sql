-- What did the scorecard say on 2025-12-01, as reported then?
-- ledger.scorecard_history is append-only: the reading in force on a day is each indicator's
-- latest reading judged on or before it. evaluated_on is the day a run judged pace on: the run's
-- own day, or the replayed day (WORKPLAN_AS_OF_DATE, as in the demo); recorded_at is the clock.
-- Every plan year on record: a finished year's final readings as well.
select
    plan_year,
    indicator_id,
    as_of,
    actual_value,
    target_value,
    status,
    status_zh,
    evaluated_on,
    recorded_at
from ledger.scorecard_history
where evaluated_on <= date '2025-12-01'
qualify row_number() over (partition by plan_year, indicator_id order by recorded_at desc) = 1
order by plan_year, indicator_id;
