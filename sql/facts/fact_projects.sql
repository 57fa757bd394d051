-- marts.fact_projects: Project registers, amounts also in 亿元.
-- From the feed's conformed rows (sql/staging/conformed.sql), read from the raw files.
select
    department,
    period,
    project_code,
    project_name,
    project_type,
    investor,
    capital_source,
    signed_on,
    contracted_amount_wan,
    -- 1 亿元 = 10,000 万元
    contracted_amount_wan / 10000 as contracted_amount_yi,
    utilised_capital_ytd_wan,
    project_level,
    approved_on,
    started_on,
    planned_annual_investment_wan,
    completed_investment_ytd_wan,
    -- 1 亿元 = 10,000 万元
    completed_investment_ytd_wan / 10000 as completed_investment_ytd_yi,
    submission_id
from {source}
