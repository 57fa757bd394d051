-- Context for the headline statistics suite: the same metric's value for the previous month of
-- the same year, as it stands in the warehouse (or in the same file, which may restate it), so a
-- cumulative figure falling below last month's is caught. Stocks may fall and are left out.
select
    t.submission_id,
    t.row_number,
    coalesce(same_file.value_ytd, current_month.value_ytd) as value_ytd__previous
from staging.headline_statistics_typed as t
inner join ledger.submissions as s on t.submission_id = s.submission_id
left join staging.headline_statistics_typed as same_file
    on t.submission_id = same_file.submission_id
    and t.metric_code = same_file.metric_code
    and same_file.period = t.period - interval 1 month
left join staging.headline_statistics as current_month
    on s.department = current_month.department
    and t.metric_code = current_month.metric_code
    and current_month.period = t.period - interval 1 month
where t.submission_id in (select unnest($submission_ids))
    and month(t.period) > 1
    and t.metric_code not in (
        'industry_education_centres', 'industry_education_enterprises', 'high_tech_stock'
    )
