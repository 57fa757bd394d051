-- Each indicator of each plan year scored against that year's target, month by month, then at
-- its latest month with data; both tables are keyed by plan year and indicator (and month). The
-- current plan year is the latest one begun by the evaluation date (the earliest when none has);
-- a finished year keeps its final statuses (已完成/未完成) beside it.
--
-- 序时进度 (expected progress, a share of the target): month m of 12 for counts, sums, levels
-- and net increases; for a stock, the path from last December's stock to the target. Growth
-- rates have no time-elapsed path: the year-to-date rate is already comparable with the target.
-- status:
--   no_data  (数据缺报) the month's data is missing;
--   met      (已完成)   a count/sum/stock meets its comparator, or in December a rate does;
--   ahead    (超进度)   share of target >= expected + pace band ('about': above the band);
--   on_pace  (达进度)   within the pace band of expected ('about': inside the tolerance);
--   behind   (欠进度)   below it.
-- For rates "expected" is 1 (the rate equals the target). $pace_band is a share of the target.
create or replace table marts.indicator_progress_monthly as
with
-- A month is scored once its data is due (the feed's due day of the following month) or has
-- arrived: the calendar moves 序时进度 forward, and a missing month shows no_data, never behind.
base as (
    select
        i.*,
        m.month,
        month(m.month) as month_number,
        i.measure in ('count', 'sum', 'level', 'net_increase', 'stock') as is_cumulative,
        a.actual_value,
        a.reference_value,
        a.baseline_value,
        coalesce(a.reference_value, i.target_value) as effective_target,
        a.submission_ids
    from marts.dim_indicator as i
    inner join reference.plan_months as m on i.plan_year = m.plan_year
    left join marts.indicator_actuals as a
        on i.plan_year = a.plan_year and i.indicator_id = a.indicator_id and m.month = a.month
    left join reference.feed_departments as f
        on i.feed = f.feed and i.source_department = f.department
    where a.actual_value is not null
        or (
            m.month + interval 1 month + (coalesce(f.due_day, 1) - 1) * interval 1 day
            < $as_of_date
            -- a quarterly figure (GDP, resident income) is owed in the quarter's last month
            and (i.frequency = 'monthly' or month(m.month) % 3 = 0)
        )
),

paced as (
    select
        *,
        case
            when measure = 'stock'
                then (baseline_value + (target_value - baseline_value) * month_number / 12)
                / target_value
            when is_cumulative then month_number / 12
        end as expected_progress,
        actual_value / nullif(effective_target, 0) as pct_of_target,
        case
            when measure = 'stock'
                then baseline_value + (actual_value - baseline_value) * 12 / month_number
            when is_cumulative then actual_value * 12 / month_number
            else actual_value
        end as projected_year_end,
        case comparator
            when '>' then actual_value > effective_target
            when '>=' then actual_value >= effective_target
            else abs(actual_value - effective_target) <= tolerance
        end as comparator_holds
    from base
),

scored as (
    select
        *,
        case
            when actual_value is null then 'no_data'
            when comparator in ('about', 'in_step') then
                case
                    when comparator_holds and month_number = 12 then 'met'
                    when comparator_holds then 'on_pace'
                    when actual_value > effective_target then 'ahead'
                    else 'behind'
                end
            when comparator_holds and (is_cumulative or month_number = 12) then 'met'
            when month_number = 12 then 'behind'
            when pct_of_target >= coalesce(expected_progress, 1) + $pace_band then 'ahead'
            when pct_of_target >= coalesce(expected_progress, 1) - $pace_band then 'on_pace'
            else 'behind'
        end as status
    from paced
),

final as (
    select
        indicator_id,
        month,
        name_zh,
        name_en,
        unit,
        target_value,
        reference_indicator,
        reference_value,
        comparator,
        tolerance,
        measure,
        actual_value,
        round(expected_progress, 4) as expected_progress,
        round(pct_of_target, 4) as pct_of_target,
        status,
        case status
            when 'met' then '已完成'
            when 'ahead' then '超进度'
            when 'on_pace' then '达进度'
            when 'behind' then '欠进度'
            else '数据缺报'
        end as status_zh,
        -- A count's year end is a whole number of projects, enterprises or places.
        case
            when measure in ('count', 'net_increase', 'stock') or unit in ('个', '家', '户')
                then round(projected_year_end, 0)
            else round(projected_year_end, 2)
        end as projected_year_end,
        -- Growth targets are reported by their gap to the target in percentage points (差距).
        case
            when measure in ('growth', 'growth_reported')
                then round(actual_value - effective_target, 2)
        end as gap_pp,
        lead_department,
        lead_department_zh,
        feed,
        coalesce(submission_ids, []) as submission_ids,
        -- A key with indicator_id and month; last, so the columns before it stay in place.
        plan_year
    from scored
)

select * from final
order by plan_year, indicator_id, month;

-- The scorecard: each indicator's current status, which is that of the latest month that has
-- data or is due, whichever is later (quarterly figures are due at quarter ends, an annual
-- reporter's in December). When that month's data is missing the status says so, never the
-- older month's pace: 数据缺报 (no_data), or 已退回待重报 (resubmit) when the department's file
-- for it was rejected and no accepted file replaced it; the last known value stays beside it with
-- its own month and status. Once the plan year is over a target reads 已完成 (met) or 未完成
-- (missed), never a pace word; until December's figure is due it reads 待年终数据
-- (awaiting_final) unless the target is already met.
create or replace table marts.indicator_progress as
with
latest as (
    select
        i.plan_year,
        i.indicator_id,
        max(p.month) filter (where p.status <> 'no_data') as as_of
    from marts.dim_indicator as i
    left join marts.indicator_progress_monthly as p
        on i.plan_year = p.plan_year and i.indicator_id = p.indicator_id
    group by i.plan_year, i.indicator_id
),

-- The latest month of the plan year whose figure is due by the evaluation date (every such
-- month has a row in marts.indicator_progress_monthly, scored or 数据缺报).
due as (
    select
        i.plan_year,
        i.indicator_id,
        max(m.month) as due_month
    from marts.dim_indicator as i
    left join reference.feed_departments as f
        on i.feed = f.feed and i.source_department = f.department
    inner join marts.indicator_progress_monthly as m
        on i.plan_year = m.plan_year and i.indicator_id = m.indicator_id
    where m.month + interval 1 month + (coalesce(f.due_day, 1) - 1) * interval 1 day
        < $as_of_date
        and case
            when f.cadence = 'annual' then month(m.month) = 12
            when i.frequency = 'quarterly' then month(m.month) % 3 = 0
            else true
        end
    group by i.plan_year, i.indicator_id
),

-- The current plan year: the latest one begun by the evaluation date, else the earliest.
current_year as (
    select
        coalesce(
            max(plan_year) filter (where plan_year <= year(cast($as_of_date as date))),
            min(plan_year)
        ) as plan_year
    from marts.dim_indicator
),

-- Months for which the source department's latest file was rejected and nothing accepted
-- since covers them.
rejected as (
    select distinct
        s.feed,
        s.department,
        p.period
    from ledger.submissions as s
    inner join ledger.submission_periods as p on s.submission_id = p.submission_id
    anti join staging.current_submissions as c
        on s.feed = c.feed and s.department = c.department and p.period = c.period
    where s.status = 'rejected'
),

current_month as (
    select
        l.plan_year,
        l.indicator_id,
        l.as_of,
        greatest(l.as_of, d.due_month) as status_month
    from latest as l
    left join due as d on l.plan_year = d.plan_year and l.indicator_id = d.indicator_id
),

judged as (
    select
        c.*,
        i.* exclude (plan_year, indicator_id),
        p.actual_value,
        p.reference_value,
        p.expected_progress,
        p.pct_of_target,
        p.projected_year_end,
        p.gap_pp,
        p.submission_ids,
        coalesce(p.status, 'no_data') as last_status,
        coalesce(p.status_zh, '数据缺报') as last_status_zh,
        cast($as_of_date as date) > make_date(c.plan_year, 12, 31) as year_over,
        r.period is not null as resubmission_owed
    from current_month as c
    inner join marts.dim_indicator as i
        on c.plan_year = i.plan_year and c.indicator_id = i.indicator_id
    left join marts.indicator_progress_monthly as p
        on c.plan_year = p.plan_year and c.indicator_id = p.indicator_id and c.as_of = p.month
    left join rejected as r
        on i.feed = r.feed and i.source_department = r.department and c.status_month = r.period
),

statused as (
    select
        *,
        case
            when year_over and last_status = 'met' then 'met'
            when year_over and month(as_of) = 12 then 'missed'
            when status_month is null then 'no_data'
            when as_of is null or status_month > as_of then
                case when resubmission_owed then 'resubmit' else 'no_data' end
            when year_over then 'awaiting_final'
            else last_status
        end as status
    from judged
),

final as (
    select
        s.indicator_id,
        s.name_zh,
        s.name_en,
        s.unit,
        s.target_value,
        s.reference_indicator,
        s.reference_value,
        s.comparator,
        s.tolerance,
        s.actual_value,
        s.as_of,
        s.expected_progress,
        s.pct_of_target,
        s.status,
        case s.status
            when 'met' then '已完成'
            when 'ahead' then '超进度'
            when 'on_pace' then '达进度'
            when 'behind' then '欠进度'
            when 'resubmit' then '已退回待重报'
            when 'missed' then '未完成'
            when 'awaiting_final' then '待年终数据'
            else '数据缺报'
        end as status_zh,
        s.status_month,
        s.last_status,
        s.last_status_zh,
        s.projected_year_end,
        s.gap_pp,
        s.lead_department,
        s.lead_department_zh,
        s.feed,
        coalesce(fs.is_overdue, false) as feed_overdue,
        fs.next_period as feed_next_period,
        cast($as_of_date as date) as evaluated_on,
        coalesce(s.submission_ids, []) as submission_ids,
        -- A key with indicator_id; last, so the columns before it stay in place.
        s.plan_year,
        s.plan_year = y.plan_year as is_current_plan_year
    from statused as s
    cross join current_year as y
    left join marts.feed_status as fs
        on s.feed = fs.feed and s.source_department = fs.department
)

select * from final
order by plan_year, indicator_id;
