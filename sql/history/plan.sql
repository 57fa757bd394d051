-- A figure against the plan written on the same row (本年完成投资 against 年度计划投资): a
-- completed amount more than a hundred times its own annual plan was typed in another unit.
-- Filled in by pipelines/checks/history.py: {typed} is the feed's typed rows, {measure} the
-- figure, {measure_text} its text as typed, {plan} the planned figure.
select
    t.submission_id,
    t.row_number as excel_row,
    t.period,
    null::varchar as series,
    t.{measure}::double as value,
    t.{measure_text}::varchar as value_text,
    t.{plan}::double as reference_value,
    t.period as reference_period,
    null::date as first_reference_period,
    true as rise_only,
    false as reference_is_scale
from {typed} as t
where
    t.submission_id in (select unnest($submission_ids))
    and t.{measure} is not null
    and t.{plan} is not null
