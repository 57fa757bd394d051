-- Descriptions of every table and column analysts see in the published file (marts and ledger),
-- in English with the Chinese term. Run after the marts are rebuilt (create or replace drops a
-- table's comments) and before the copy, which carries them over. COMMENT ON takes no bound
-- parameters, so every description is a string literal; adjacent literals on separate lines join.
-- Keep in step with the marts: a column without a description fails
-- tests/test_analyst_queries.py, and a description of a column that no longer exists fails here.

-- marts.dim_department ---------------------------------------------------------------------------
comment on table marts.dim_department is
    'Departments (报送单位/牵头单位): one row per district bureau that reports a feed or leads a '
    'target, from catalog/departments.csv.';
comment on column marts.dim_department.department_code is
    'Department code (单位代码), e.g. market_regulation: the landing folder name and the key used '
    'in every other table.';
comment on column marts.dim_department.name_zh is
    'Department name in Chinese (单位名称), e.g. 市场监督管理局.';
comment on column marts.dim_department.name_en is
    'Department name in English (英文名称), e.g. Market Regulation Bureau.';

-- marts.dim_indicator ----------------------------------------------------------------------------
comment on table marts.dim_indicator is
    'Indicators (考核指标): the quantitative targets of each plan year''s work plan, one row per '
    'plan year and indicator, with the target version in force and how its actual is computed.';
comment on column marts.dim_indicator.indicator_id is
    'Indicator id (指标编号), e.g. T08: the same id in two plan years is the same measure.';
comment on column marts.dim_indicator.target_version is
    'Target version (目标版本) in force: the highest version in the catalog; a revised target '
    'is a new version (see marts.target_history).';
comment on column marts.dim_indicator.valid_from is
    'Date the target version in force took effect (生效日期).';
comment on column marts.dim_indicator.plan_year is
    'Plan year (计划年度) the target belongs to: with indicator_id, the key.';
comment on column marts.dim_indicator.name_zh is
    'Indicator name in Chinese (指标名称), e.g. 新登记企业.';
comment on column marts.dim_indicator.name_en is
    'Indicator name in English (英文名称), e.g. Newly registered enterprises.';
comment on column marts.dim_indicator.plan_words_zh is
    'The work plan''s own words (计划原文), e.g. 确保全年新登记企业1万户以上.';
comment on column marts.dim_indicator.target_value is
    'Target value (目标值) in the indicator''s unit; empty for a relative target (T16, in step '
    'with T19).';
comment on column marts.dim_indicator.comparator is
    'How the actual is compared with the target (比较方式): > (突破), >= (以上/达到), about '
    '(左右, within tolerance), in_step (与…同步, compared with the reference indicator).';
comment on column marts.dim_indicator.tolerance is
    'Tolerance band (允许偏差) in percentage points for about and in_step targets (0.5); empty '
    'otherwise.';
comment on column marts.dim_indicator.unit is
    'Unit of the target and the actual (计量单位): 个, 家, 户, 亩, 亿元 (100 million CNY) or % '
    '(growth rate in percent).';
comment on column marts.dim_indicator.measure is
    'How the actual is computed (计算口径): count, sum, level (year-to-date value), net_increase '
    '(additions minus removals since January), stock (last December''s stock + net increase), '
    'growth ((this year''s cumulative / same months last year - 1) x 100), growth_reported '
    '(growth as the statistics bureau reports it).';
comment on column marts.dim_indicator.lead_department is
    'Lead department code (牵头单位) accountable for the target.';
comment on column marts.dim_indicator.lead_department_zh is
    'Lead department name in Chinese (牵头单位名称).';
comment on column marts.dim_indicator.feed is
    'Feed (数据来源报表) the actual is read from: projects, enterprise_registrations, '
    'tourism_revenue, school_places or headline_statistics.';
comment on column marts.dim_indicator.source_department is
    'Department whose submissions of the feed hold the figures (数据报送单位).';
comment on column marts.dim_indicator.reference_indicator is
    'For a relative target (与…同步): the indicator whose actual of the same month is the '
    'target (T16 reads T19); empty otherwise.';
comment on column marts.dim_indicator.metric_code is
    'Metric (指标代码) in marts.feed_metrics that the actual is computed from, for the source '
    'department.';
comment on column marts.dim_indicator.baseline_metric is
    'For a stock (存量) target: the metric holding last December''s stock (high_tech_stock); '
    'empty otherwise.';
comment on column marts.dim_indicator.frequency is
    'How often the figure is published (统计频率): monthly, or quarterly (GDP, resident income), '
    'whose months between quarter ends are not scored.';

-- marts.target_history ---------------------------------------------------------------------------
comment on table marts.target_history is
    'Target history (目标修订记录): every version of every plan year''s targets, from the '
    'supervision office''s plan files; a revised target adds a version and the original stays '
    'on record.';
comment on column marts.target_history.indicator_id is
    'Indicator id (指标编号), T01 to T21.';
comment on column marts.target_history.version is
    'Target version (目标版本), 1 for the plan as published, higher for each revision.';
comment on column marts.target_history.valid_from is
    'Date this version took effect (生效日期).';
comment on column marts.target_history.plan_year is
    'Plan year (计划年度): the year of valid_from; with indicator_id and version, the key.';
comment on column marts.target_history.name_zh is
    'Indicator name in Chinese (指标名称) in this version.';
comment on column marts.target_history.name_en is
    'Indicator name in English (英文名称) in this version.';
comment on column marts.target_history.plan_words_zh is
    'The work plan''s own words (计划原文) for this version.';
comment on column marts.target_history.target_value is
    'Target value (目标值) in this version, in the unit column''s unit; empty for a relative '
    'target.';
comment on column marts.target_history.comparator is
    'Comparator (比较方式) in this version: >, >=, about or in_step.';
comment on column marts.target_history.tolerance is
    'Tolerance band (允许偏差) in percentage points in this version, for about and in_step.';
comment on column marts.target_history.unit is
    'Unit (计量单位) in this version.';
comment on column marts.target_history.measure is
    'How the actual is computed (计算口径) in this version; see marts.dim_indicator.measure.';
comment on column marts.target_history.lead_department is
    'Lead department code (牵头单位) in this version.';
comment on column marts.target_history.feed is
    'Feed (数据来源报表) the actual is read from in this version.';
comment on column marts.target_history.source_department is
    'Department reporting the figures (数据报送单位) in this version.';
comment on column marts.target_history.reference_indicator is
    'Reference indicator of a relative target (与…同步) in this version.';
comment on column marts.target_history.metric_code is
    'Metric (指标代码) in marts.feed_metrics the actual is computed from, in this version.';
comment on column marts.target_history.baseline_metric is
    'Metric holding last December''s stock (存量基数) for a stock target, in this version.';
comment on column marts.target_history.frequency is
    'How often the figure is published (统计频率) in this version: monthly or quarterly.';
comment on column marts.target_history.submission_id is
    'The plan file (计划文件) this version came from; see ledger.submissions.';
comment on column marts.target_history.is_current is
    'True for the version in force (现行版本): the highest version of the indicator.';

-- marts.current_submissions ----------------------------------------------------------------------
comment on table marts.current_submissions is
    'Which submission counts (现行报送) for each feed, department and reporting month: the latest '
    'accepted file covering it. The fact tables show these submissions'' rows of these months; an '
    'earlier file a correction replaced stays in ledger.submissions.';
comment on column marts.current_submissions.feed is
    'Feed (数据类别) code: projects, enterprise_registrations, tourism_revenue, school_places, '
    'headline_statistics, or plans (the work plan''s own files).';
comment on column marts.current_submissions.department is
    'Reporting department code (报送单位).';
comment on column marts.current_submissions.period is
    'Reporting month (报告期), stored as the first day of the month.';
comment on column marts.current_submissions.submission_id is
    'The submission that counts (现行报送) for the month; see ledger.submissions.';

-- marts.fact_projects ----------------------------------------------------------------------------
comment on table marts.fact_projects is
    'Project registers (项目台账): one row per project per reporting month, from the current '
    'submission of the investment (招商引资) and development and reform (省市重点) bureaus. Each '
    'month is the whole register as of month end (a snapshot): read one month, never sum months.';
comment on column marts.fact_projects.department is
    'Reporting department code (报送单位): investment or development_reform.';
comment on column marts.fact_projects.period is
    'Reporting month (报告期) the register is as of, stored as the first day of the month.';
comment on column marts.fact_projects.project_code is
    'The department''s stable project number (项目编号).';
comment on column marts.fact_projects.project_name is
    'Project name (项目名称).';
comment on column marts.fact_projects.project_type is
    'Project category (项目类别): 招商引资 (investment-attraction project, T01-T03) or 省市重点 '
    '(provincial or municipal key project, T04-T05).';
comment on column marts.fact_projects.investor is
    'Investor or signing enterprise (投资方).';
comment on column marts.fact_projects.capital_source is
    'Source of capital (资金来源): 内资 (domestic) or 外资 (foreign).';
comment on column marts.fact_projects.signed_on is
    'Date the investment agreement was signed (签约日期); counts for T01/T02 in its year.';
comment on column marts.fact_projects.contracted_amount_wan is
    'Contracted investment (协议引资额) in 万元 (10,000 CNY), converted from the file''s unit.';
comment on column marts.fact_projects.contracted_amount_yi is
    'Contracted investment (协议引资额) in 亿元 (100 million CNY): contracted_amount_wan / 10000.';
comment on column marts.fact_projects.utilised_capital_ytd_wan is
    'Capital actually utilised since 1 January of the reporting year (本年实际利用内外资), '
    'cumulative, in 万元; T03 compares it with the same month of last year.';
comment on column marts.fact_projects.project_level is
    'Key project level (项目级别): 省级 (provincial) or 市级 (municipal).';
comment on column marts.fact_projects.approved_on is
    'Date the key project was approved (批复日期).';
comment on column marts.fact_projects.started_on is
    'Date construction started (开工日期); empty while not started. Counts for T04 in its year.';
comment on column marts.fact_projects.planned_annual_investment_wan is
    'Investment planned for the year (年度计划投资) in 万元.';
comment on column marts.fact_projects.completed_investment_ytd_wan is
    'Investment completed since 1 January of the reporting year (本年完成投资), cumulative, in '
    '万元.';
comment on column marts.fact_projects.completed_investment_ytd_yi is
    'Investment completed this year (本年完成投资) in 亿元: completed_investment_ytd_wan / 10000 '
    '(T05).';
comment on column marts.fact_projects.submission_id is
    'The submission (报送文件) the row came from; see ledger.submissions.';

-- marts.fact_enterprise_events -------------------------------------------------------------------
comment on table marts.fact_enterprise_events is
    'Enterprise events (企业登记及认定备案): one row per event in the reporting month, from the '
    'current submissions of the market regulation, science and technology and commerce bureaus. '
    'Each month holds that month''s events only (a flow): the year to date is the sum of months.';
comment on column marts.fact_enterprise_events.department is
    'Reporting department code (报送单位): market_regulation, science_technology or commerce.';
comment on column marts.fact_enterprise_events.period is
    'Reporting month (报告期) of the event, stored as the first day of the month.';
comment on column marts.fact_enterprise_events.credit_code is
    '18-character unified social credit code (统一社会信用代码, GB 32100-2015).';
comment on column marts.fact_enterprise_events.enterprise_name is
    'Enterprise name (企业名称).';
comment on column marts.fact_enterprise_events.event_type is
    'Event type (事项类型): 新登记 (new registration, T08), 高企认定 (high-tech certification, '
    'T06/T07), 高企撤销 (high-tech revocation, T06/T07) or 外贸备案 (foreign-trade filing, T09).';
comment on column marts.fact_enterprise_events.event_date is
    'Date of the registration, certification, revocation or filing (事项日期).';
comment on column marts.fact_enterprise_events.industry is
    'Industry (所属行业) as the department reports it.';
comment on column marts.fact_enterprise_events.submission_id is
    'The submission (报送文件) the row came from; see ledger.submissions.';

-- marts.fact_tourism_revenue ---------------------------------------------------------------------
comment on table marts.fact_tourism_revenue is
    'Tourism revenue (旅游收入): one row per scenic area or revenue category per month, that '
    'month''s revenue (a flow), from the culture and tourism bureau''s current submissions.';
comment on column marts.fact_tourism_revenue.department is
    'Reporting department code (报送单位): culture_tourism.';
comment on column marts.fact_tourism_revenue.period is
    'Month of the revenue (报告期), stored as the first day of the month.';
comment on column marts.fact_tourism_revenue.area is
    'Scenic area or revenue category (景区或类别), e.g. 太阳岛风景区, 乡村旅游.';
comment on column marts.fact_tourism_revenue.visitors is
    'Visitors received in the month (接待游客), in person-visits (人次).';
comment on column marts.fact_tourism_revenue.revenue_wan is
    'Revenue earned in the month (旅游收入), not cumulative, in 万元 (converted from the file''s '
    'unit, e.g. 元).';
comment on column marts.fact_tourism_revenue.revenue_yi is
    'Revenue earned in the month (旅游收入) in 亿元: revenue_wan / 10000.';
comment on column marts.fact_tourism_revenue.submission_id is
    'The submission (报送文件) the row came from; see ledger.submissions.';

-- marts.fact_school_places -----------------------------------------------------------------------
comment on table marts.fact_school_places is
    'School places register (新增义务教育学位台账): one row per school building project per '
    'reporting month, as of month end (a snapshot), from the education bureau''s current '
    'submissions.';
comment on column marts.fact_school_places.department is
    'Reporting department code (报送单位): education.';
comment on column marts.fact_school_places.period is
    'Reporting month (报告期) the register is as of, stored as the first day of the month.';
comment on column marts.fact_school_places.school_project is
    'School or building project name (学校或项目名称).';
comment on column marts.fact_school_places.stage is
    'School stage (学段): 小学 (primary), 初中 (junior secondary) or 九年一贯制 (nine-year school).';
comment on column marts.fact_school_places.places is
    'Compulsory-education places the project adds (新增学位), in places (个).';
comment on column marts.fact_school_places.planned_delivery_on is
    'Date the places are planned to come into use (计划交付日期).';
comment on column marts.fact_school_places.delivered_on is
    'Date the places came into use (实际交付日期); empty until then. Counts for T13 in its year.';
comment on column marts.fact_school_places.submission_id is
    'The submission (报送文件) the row came from; see ledger.submissions.';

-- marts.fact_headline_statistics -----------------------------------------------------------------
comment on table marts.fact_headline_statistics is
    'Headline statistics (主要经济社会指标月报): one row per metric per reporting month, from the '
    'current submissions of the statistics, finance, human resources, agriculture and science and '
    'technology bureaus. Values are cumulative from January (1-N月累计) or month-end levels: '
    'never sum them across months.';
comment on column marts.fact_headline_statistics.department is
    'Reporting department code (报送单位).';
comment on column marts.fact_headline_statistics.period is
    'Reporting month (报告期), stored as the first day of the month.';
comment on column marts.fact_headline_statistics.metric_code is
    'Metric code (指标代码), e.g. gdp, retail_sales, budget_revenue, industry_education_centres, '
    'high_tech_stock; the catalog''s metric_code names the one an indicator reads.';
comment on column marts.fact_headline_statistics.metric_name is
    'Metric name in Chinese as reported (指标名称).';
comment on column marts.fact_headline_statistics.value_ytd is
    'Cumulative value from January (本期累计值), or the month-end level for counts of centres, '
    'enterprises, area and stock, in the unit column''s unit.';
comment on column marts.fact_headline_statistics.unit is
    'Unit of value_ytd as reported (计量单位), e.g. 亿元, 个, 家, 亩.';
comment on column marts.fact_headline_statistics.growth_pct is
    'Year-on-year growth of the cumulative value as the statistics bureau reports it (累计同比增长), '
    'in percent, comparable prices; empty where not reported.';
comment on column marts.fact_headline_statistics.submission_id is
    'The submission (报送文件) the row came from; see ledger.submissions.';

-- marts.feed_metrics -----------------------------------------------------------------------------
comment on table marts.feed_metrics is
    'Feed metrics (报表指标): every feed reduced to one value per department, metric and month, '
    'year to date. Snapshot registers are read from that month, flows summed from January (only '
    'when every month since January was reported), headline figures taken as reported. A month '
    'whose data is missing has no row.';
comment on column marts.feed_metrics.department is
    'Reporting department code (报送单位).';
comment on column marts.feed_metrics.month is
    'Month (月份) the value is as of, first day of the month; 2023 months are the growth base.';
comment on column marts.feed_metrics.metric_code is
    'Metric code (指标代码): signed_projects, contracted_investment_yi, utilised_capital_wan, '
    'started_key_projects, key_project_investment_yi, new_registrations, high_tech_net_increase, '
    'trade_filings, tourism_revenue_wan, delivered_places, or a headline statistics metric code.';
comment on column marts.feed_metrics.metric_value is
    'Year-to-date value (本年累计值) as of the month: a count, an amount in the unit the metric '
    'code names (_wan 万元, _yi 亿元) or, for headline metrics, value_ytd as reported.';
comment on column marts.feed_metrics.growth_pct is
    'Reported year-on-year growth in percent (累计同比增长), headline metrics only; empty otherwise.';
comment on column marts.feed_metrics.submission_ids is
    'The submissions (报送文件) the value was computed from.';

-- marts.feed_status ------------------------------------------------------------------------------
comment on table marts.feed_status is
    'Reporting status (报送情况): one row per feed and obliged department, judged on the '
    'evaluation date: what was received for the plan years on record, which month is owed next, '
    'when it is due, and whether it is overdue (数据缺报).';
comment on column marts.feed_status.feed is
    'Feed code (报表代码).';
comment on column marts.feed_status.feed_zh is
    'Feed title in Chinese (报表名称), e.g. 旅游收入情况表.';
comment on column marts.feed_status.department is
    'Department code (报送单位) obliged to send the feed.';
comment on column marts.feed_status.department_zh is
    'Department name in Chinese (报送单位名称).';
comment on column marts.feed_status.cadence is
    'Reporting cadence (报送频率): monthly (every month of the plan years) or annual (December only).';
comment on column marts.feed_status.due_day is
    'Day of the following month by which a month''s data is due (报送截止日).';
comment on column marts.feed_status.last_period is
    'Latest reporting month received (最近报告期), any year; empty if none.';
comment on column marts.feed_status.periods_received is
    'Number of reporting months of the plan years received (已报月份数).';
comment on column marts.feed_status.next_period is
    'First month of the plan years owed and not received (待报报告期), so a gap is owed even when '
    'later months arrived; empty when the years are complete.';
comment on column marts.feed_status.next_due is
    'Due date of next_period (应报日期): the due day of the month after it.';
comment on column marts.feed_status.is_overdue is
    'True when next_due is before the evaluation date (逾期).';
comment on column marts.feed_status.days_overdue is
    'Days between next_due and the evaluation date when overdue (逾期天数); 0 otherwise.';
comment on column marts.feed_status.status is
    'Reporting status (报送状态): complete, overdue or on_time; see status_zh.';
comment on column marts.feed_status.status_zh is
    'Reporting status in Chinese: 已报齐 (complete), 数据缺报 (overdue) or 按期报送 (on time).';
comment on column marts.feed_status.evaluated_on is
    'Evaluation date (评估日期) lateness was judged on: today in Asia/Shanghai, or '
    'WORKPLAN_AS_OF_DATE when replaying a day.';

-- marts.indicator_actuals ------------------------------------------------------------------------
comment on table marts.indicator_actuals is
    'Indicator actuals (指标实际完成值): each indicator''s actual for each month of its plan year '
    'whose data is complete, computed from marts.feed_metrics as that year''s measure and '
    'metric_code say.';
comment on column marts.indicator_actuals.indicator_id is
    'Indicator id (指标编号), T01 to T21.';
comment on column marts.indicator_actuals.plan_year is
    'Plan year (计划年度) the actual belongs to: with indicator_id, the key; the year of the plan '
    'file''s 生效月份.';
comment on column marts.indicator_actuals.month is
    'Month (月份) the actual is as of, first day of the month.';
comment on column marts.indicator_actuals.actual_value is
    'Actual value (实际完成值) in the indicator''s unit: year to date for counts, sums, levels and '
    'net increases, the stock for T07, growth in percent for rates.';
comment on column marts.indicator_actuals.reference_value is
    'For a relative target (与…同步): the reference indicator''s actual of the same month (T19 for '
    'T16); empty otherwise.';
comment on column marts.indicator_actuals.baseline_value is
    'For a stock target: last December''s stock (上年末存量) the net increase is added to; empty '
    'otherwise.';
comment on column marts.indicator_actuals.submission_ids is
    'The submissions (报送文件) the actual rests on, including last year''s for growth and the '
    'baseline''s for a stock.';

-- marts.indicator_progress_monthly ---------------------------------------------------------------
comment on table marts.indicator_progress_monthly is
    'Monthly scorecard (逐月进度): each indicator scored for every month of its plan year that has '
    'data or whose data is due, with 序时进度, share of target, status and projection.';
comment on column marts.indicator_progress_monthly.indicator_id is
    'Indicator id (指标编号), T01 to T21.';
comment on column marts.indicator_progress_monthly.plan_year is
    'Plan year (计划年度) the month scored belongs to: with indicator_id, the key; the year of the plan '
    'file''s 生效月份.';
comment on column marts.indicator_progress_monthly.month is
    'Month (月份) scored, first day of the month.';
comment on column marts.indicator_progress_monthly.name_zh is
    'Indicator name in Chinese (指标名称).';
comment on column marts.indicator_progress_monthly.name_en is
    'Indicator name in English (英文名称).';
comment on column marts.indicator_progress_monthly.unit is
    'Unit (计量单位) of target and actual.';
comment on column marts.indicator_progress_monthly.target_value is
    'Target value (目标值); empty for a relative target.';
comment on column marts.indicator_progress_monthly.reference_indicator is
    'Reference indicator of a relative target (与…同步), e.g. T19 for T16.';
comment on column marts.indicator_progress_monthly.reference_value is
    'The reference indicator''s actual this month (参照指标实际值), the effective target of a '
    'relative target.';
comment on column marts.indicator_progress_monthly.comparator is
    'Comparator (比较方式): >, >=, about or in_step.';
comment on column marts.indicator_progress_monthly.tolerance is
    'Tolerance band (允许偏差) in percentage points for about and in_step.';
comment on column marts.indicator_progress_monthly.measure is
    'How the actual is computed (计算口径); see marts.dim_indicator.measure.';
comment on column marts.indicator_progress_monthly.actual_value is
    'Actual value (实际完成值) this month in the indicator''s unit; empty when data is missing.';
comment on column marts.indicator_progress_monthly.expected_progress is
    'Expected progress (序时进度): the share of the target that should be done by this month, '
    'm/12 at month m for counts, sums, levels and net increases; for the stock T07 the straight '
    'path from last December''s stock to the target, divided by the target; empty for rates.';
comment on column marts.indicator_progress_monthly.pct_of_target is
    'Share of target reached (完成率): actual / target (or / the reference actual), 1 = 100%.';
comment on column marts.indicator_progress_monthly.status is
    'Status (进度状态): met, ahead, on_pace, behind or no_data; see status_zh.';
comment on column marts.indicator_progress_monthly.status_zh is
    'Status in Chinese: 已完成 (met), 超进度 (ahead of pace), 达进度 (on pace), 欠进度 (behind '
    'pace), 数据缺报 (no data reported).';
comment on column marts.indicator_progress_monthly.projected_year_end is
    'Projected year-end value (全年预计): linear from this month for cumulative measures (actual x '
    '12 / m; for the stock, from last December''s stock), rounded to a whole number for counts, '
    'the rate itself for growth measures.';
comment on column marts.indicator_progress_monthly.gap_pp is
    'Gap to the target in percentage points (差距, 个百分点) for growth targets: actual rate minus '
    'target rate (or the reference rate of T16); empty for other measures. Growth targets are '
    'reported this way rather than as a share of the target.';
comment on column marts.indicator_progress_monthly.lead_department is
    'Lead department code (牵头单位).';
comment on column marts.indicator_progress_monthly.lead_department_zh is
    'Lead department name in Chinese (牵头单位名称).';
comment on column marts.indicator_progress_monthly.feed is
    'Feed (数据来源报表) the actual is read from.';
comment on column marts.indicator_progress_monthly.submission_ids is
    'The submissions (报送文件) this month''s actual rests on; empty list when no data.';

-- marts.indicator_progress -----------------------------------------------------------------------
comment on table marts.indicator_progress is
    'The scorecard (目标完成情况): one row per plan year and indicator. Its status is that of the '
    'month owed (status_month: the latest month with data or due, whichever is later); its '
    'figures are the last known ones (as_of, with last_status), scored against the target with '
    '序时进度.';
comment on column marts.indicator_progress.indicator_id is
    'Indicator id (指标编号), T01 to T21.';
comment on column marts.indicator_progress.plan_year is
    'Plan year (计划年度) the target belongs to: with indicator_id, the key; the year of the plan '
    'file''s 生效月份.';
comment on column marts.indicator_progress.name_zh is
    'Indicator name in Chinese (指标名称).';
comment on column marts.indicator_progress.name_en is
    'Indicator name in English (英文名称).';
comment on column marts.indicator_progress.unit is
    'Unit (计量单位) of target and actual.';
comment on column marts.indicator_progress.target_value is
    'Target value (目标值) of the version in force; empty for a relative target.';
comment on column marts.indicator_progress.reference_indicator is
    'Reference indicator of a relative target (与…同步), e.g. T19 for T16.';
comment on column marts.indicator_progress.reference_value is
    'The reference indicator''s actual (参照指标实际值) in the as_of month, the effective target of '
    'T16.';
comment on column marts.indicator_progress.comparator is
    'Comparator (比较方式): >, >=, about or in_step.';
comment on column marts.indicator_progress.tolerance is
    'Tolerance band (允许偏差) in percentage points for about and in_step.';
comment on column marts.indicator_progress.actual_value is
    'Last known actual value (实际完成值) in the as_of month, in the indicator''s unit; when the '
    'month owed is missing this is the older figure, not the current one.';
comment on column marts.indicator_progress.as_of is
    'Month the figures are as of (数据截至月份): the latest month with data; empty if none.';
comment on column marts.indicator_progress.status_month is
    'Month the status is for (状态所属月份): the latest month that has data or whose figure is due '
    'by the evaluation date (quarterly figures at quarter ends), whichever is later.';
comment on column marts.indicator_progress.last_status is
    'Status of the last known figure (最近数据状态), in its as_of month: met, ahead, on_pace, '
    'behind or no_data.';
comment on column marts.indicator_progress.last_status_zh is
    'Status of the last known figure in Chinese (最近数据状态).';
comment on column marts.indicator_progress.expected_progress is
    'Expected progress (序时进度) in the as_of month: the share of the target that should be done '
    'by then (m/12 for cumulative measures, the straight path for the stock T07); empty for rates.';
comment on column marts.indicator_progress.pct_of_target is
    'Share of target reached (完成率) in the as_of month: actual / target, 1 = 100%.';
comment on column marts.indicator_progress.status is
    'Current status (当前状态) in status_month: met, ahead, on_pace, behind; no_data when the month '
    'owed has no figure; resubmit when the department''s file for it was rejected and none '
    'accepted since; after the plan year met or missed (awaiting_final until December is due).';
comment on column marts.indicator_progress.status_zh is
    'Current status in Chinese: 已完成, 超进度, 达进度, 欠进度, 数据缺报, 已退回待重报, 未完成 or '
    '待年终数据.';
comment on column marts.indicator_progress.projected_year_end is
    'Projected year-end value (全年预计) from the as_of month, in the indicator''s unit.';
comment on column marts.indicator_progress.gap_pp is
    'Gap to the target in percentage points (差距, 个百分点) for growth targets: actual rate minus '
    'target rate (or the reference rate of T16); empty for other measures. Growth targets are '
    'reported this way rather than as a share of the target.';
comment on column marts.indicator_progress.lead_department is
    'Lead department code (牵头单位).';
comment on column marts.indicator_progress.lead_department_zh is
    'Lead department name in Chinese (牵头单位名称).';
comment on column marts.indicator_progress.feed is
    'Feed (数据来源报表) the actual is read from.';
comment on column marts.indicator_progress.feed_overdue is
    'True when the source department''s feed is overdue (数据缺报) on the evaluation date.';
comment on column marts.indicator_progress.feed_next_period is
    'First month the source department still owes for the feed (待报报告期).';
comment on column marts.indicator_progress.evaluated_on is
    'Evaluation date (评估日期) pace and lateness were judged on.';
comment on column marts.indicator_progress.submission_ids is
    'The submissions (报送文件) the actual rests on; see ledger.submissions.';
comment on column marts.indicator_progress.is_current_plan_year is
    'True on the current plan year''s rows (当前计划年度): the latest plan year begun by the '
    'evaluation date, the one the scorecard shows; a finished year keeps its final statuses.';

-- marts.status_changes ---------------------------------------------------------------------------
comment on table marts.status_changes is
    'Status changes (状态变化): every change of an indicator''s status between readings in '
    'ledger.scorecard_history, with the submissions that arrived with it and the restatements '
    '(更正报送) among them.';
comment on column marts.status_changes.indicator_id is
    'Indicator id (指标编号).';
comment on column marts.status_changes.plan_year is
    'Plan year (计划年度) the change belongs to: with indicator_id, the key; the year of the plan '
    'file''s 生效月份.';
comment on column marts.status_changes.recorded_at is
    'When the reading with the new status was recorded (记录时间), by the clock.';
comment on column marts.status_changes.previous_status is
    'Current status before the change (原状态): see marts.indicator_progress.status.';
comment on column marts.status_changes.status is
    'Status after the change (新状态).';
comment on column marts.status_changes.status_zh is
    'Status after the change in Chinese (新状态).';
comment on column marts.status_changes.previous_last_status is
    'Status of the last known figure before the change (原数据状态); empty for readings recorded '
    'before it was kept.';
comment on column marts.status_changes.last_status is
    'Status of the last known figure after the change (新数据状态): a restatement moves this one.';
comment on column marts.status_changes.as_of is
    'Month the new reading''s figures are as of (数据截至月份).';
comment on column marts.status_changes.actual_value is
    'Actual value (实际完成值) of the new reading.';
comment on column marts.status_changes.new_submission_ids is
    'Submissions (报送文件) behind the new reading that were not behind the previous one.';
comment on column marts.status_changes.restated_by is
    'Those of new_submission_ids that replaced an earlier submission (更正报送): a non-empty list '
    'means a restatement changed the status.';

-- ledger.submissions -----------------------------------------------------------------------------
comment on table ledger.submissions is
    'Submission ledger (报送登记簿): one row per distinct file that landed (path and content), '
    'whatever became of it: received, validated, accepted, quarantined, rejected, duplicate or '
    'superseded.';
comment on column ledger.submissions.submission_id is
    'Submission id (报送编号): the first 16 hex digits of SHA-256 over feed, department folder and '
    'content hash (a duplicate adds its path).';
comment on column ledger.submissions.feed is
    'Feed code (报表代码) of the landing folder.';
comment on column ledger.submissions.department is
    'Department folder the file was dropped in (报送单位); empty when dropped outside one.';
comment on column ledger.submissions.file_name is
    'File name as the clerk saved it (文件名).';
comment on column ledger.submissions.landing_path is
    'Path under the landing folder (落地路径): <feed>/<department>/<file name>.';
comment on column ledger.submissions.archive_path is
    'Path of the byte-for-byte copy under the archive folder (归档路径): <sha256[:2]>/<sha256>.<ext>.';
comment on column ledger.submissions.size_bytes is
    'File size in bytes (文件大小).';
comment on column ledger.submissions.sha256 is
    'SHA-256 of the file''s content (内容摘要): the same bytes are received once.';
comment on column ledger.submissions.received_at is
    'When the file was received (接收时间).';
comment on column ledger.submissions.rows_read is
    'Data rows read from the file into raw (读取行数); 0 when it could not be read.';
comment on column ledger.submissions.rows_accepted is
    'Rows that passed validation and count (接收行数); 0 when the file was rejected.';
comment on column ledger.submissions.rows_quarantined is
    'Rows held back in ledger.quarantine (暂不计入行数).';
comment on column ledger.submissions.status is
    'What became of the file (处理状态): received (not yet validated), accepted, '
    'accepted_with_quarantine, rejected (退回), duplicate (重复报送) or superseded (已被更正).';
comment on column ledger.submissions.message_en is
    'Why the file was rejected, which rows were held back, or what replaced it (处理说明), in '
    'English.';
comment on column ledger.submissions.message_zh is
    'The same message in Chinese for the department clerk (处理说明).';
comment on column ledger.submissions.validated_at is
    'When validation judged the file (校验时间); empty while only received.';
comment on column ledger.submissions.duplicate_of is
    'For a duplicate: the submission with the same content already received (重复于).';
comment on column ledger.submissions.superseded_by is
    'For a superseded submission: the later submission for the same periods that replaced it '
    '(被…更正).';
comment on column ledger.submissions.reported_at is
    'When Dagster was told of the accepted file (通知时间): a materialization of the department''s '
    'landing asset, which its freshness policy watches.';
comment on column ledger.submissions.warnings_en is
    'Reader warnings in English (读取提示), e.g. a 合计 row that does not equal the sum of the '
    'detail rows; the file is still accepted.';
comment on column ledger.submissions.warnings_zh is
    'Reader warnings in Chinese (读取提示（中文）), e.g. 合计行与明细行之和不符.';
comment on column ledger.submissions.file_title is
    'The title line above the table as the department wrote it (表名), e.g. '
    '2024年1-3月哈尔滨新区新登记企业情况表.';
comment on column ledger.submissions.file_notes is
    'Labelled lines around the table as JSON (表外信息): 填报单位, 填报人, 审核人, 联系电话, '
    '填报日期 and the like, so the data office knows whom to call.';

-- ledger.submission_periods ----------------------------------------------------------------------
comment on table ledger.submission_periods is
    'Submission periods (报送所属期): one row per reporting month each submission covers.';
comment on column ledger.submission_periods.submission_id is
    'Submission id (报送编号); see ledger.submissions.';
comment on column ledger.submission_periods.period is
    'Reporting month (报告期) the submission covers, first day of the month.';

-- ledger.submission_columns ----------------------------------------------------------------------
comment on table ledger.submission_columns is
    'How each submission''s columns were read (表头识别): the header matched, the unit it named '
    'and the factor to the contract''s unit, the year of months written without one, and the '
    'column letter the values were read from.';
comment on column ledger.submission_columns.submission_id is
    'Submission id (报送编号); see ledger.submissions.';
comment on column ledger.submission_columns.column_name is
    'Contract column name (字段名), e.g. revenue_wan.';
comment on column ledger.submission_columns.header_found is
    'Header as written in the file (原表头), e.g. 旅游收入（元）.';
comment on column ledger.submission_columns.unit_found is
    'Unit the header or the table named (原单位), e.g. 元; empty when none.';
comment on column ledger.submission_columns.unit_factor is
    'Factor from the file''s unit to the contract''s (单位换算系数), e.g. 0.0001 from 元 to 万元, '
    '10000 from 亿元 to 万元; empty when no conversion applies.';
comment on column ledger.submission_columns.default_year is
    'Year taken from the file''s title for months written without one (默认年份), e.g. 3月.';
comment on column ledger.submission_columns.source_column is
    'Column letter in the file as Excel shows it (原文件列号), e.g. D or AA; a CSV''s columns are '
    'lettered as Excel opens it. Empty for submissions received before it was recorded.';

-- ledger.quarantine ------------------------------------------------------------------------------
comment on table ledger.quarantine is
    'Quarantine (暂不计入的数据行): one row per rule a row of a submission broke; such rows stay '
    'in raw but never reach staging or the marts.';
comment on column ledger.quarantine.submission_id is
    'Submission id (报送编号); see ledger.submissions.';
comment on column ledger.quarantine.row_number is
    'Row number in the source file (原文件行号), as the clerk sees it.';
comment on column ledger.quarantine.column_name is
    'Contract column the rule checks (字段名); empty for a rule over the whole row.';
comment on column ledger.quarantine.rule is
    'Rule code (校验规则), e.g. required, allowed_values, date_format, not_negative, duplicate_key.';
comment on column ledger.quarantine.value_found is
    'Value found in the file (原值); empty when the cell was empty.';
comment on column ledger.quarantine.reason_en is
    'Why the row was held back (原因), in English.';
comment on column ledger.quarantine.reason_zh is
    'Why the row was held back, in Chinese (原因).';

-- ledger.alerts ----------------------------------------------------------------------------------
comment on table ledger.alerts is
    'Alerts (提醒): one per rejected file and one per overdue period of a department''s feed, '
    'raised once each and delivered to the configured webhook after the run that raised it, '
    'outside it (the deliver_alerts sensor, or workplan refresh once its run is done).';
comment on column ledger.alerts.alert_key is
    'Alert key (提醒编号): rejected:<submission_id> or overdue:<feed>:<department>:<YYYY-MM>.';
comment on column ledger.alerts.raised_at is
    'When the alert was raised (提醒时间).';
comment on column ledger.alerts.kind is
    'Alert kind (提醒类型): rejected_file (退回), overdue_feed (数据缺报) or archive_missing '
    '(存档缺失: a file the scorecard rests on has lost its archive copy).';
comment on column ledger.alerts.feed is
    'Feed code (报表代码).';
comment on column ledger.alerts.department is
    'Department code (报送单位) that must act.';
comment on column ledger.alerts.subject is
    'What the alert is about (提醒事项): the rejected file''s name, or the overdue month (YYYY-MM).';
comment on column ledger.alerts.message_en is
    'Alert text (提醒内容) in English.';
comment on column ledger.alerts.message_zh is
    'Alert text in Chinese for the department (提醒内容).';
comment on column ledger.alerts.sent_at is
    'When the alert was delivered to the webhook (发送时间); empty if not delivered or no webhook.';
comment on column ledger.alerts.delivery_error is
    'Last delivery error (发送失败原因); empty once delivered.';
comment on column ledger.alerts.attempts is
    'Delivery attempts so far (发送次数); after 8 failed attempts the alert is given up.';
comment on column ledger.alerts.last_attempt_at is
    'When delivery was last attempted (最近发送时间).';
comment on column ledger.alerts.next_attempt_at is
    'When a failed alert is tried again (下次发送时间): 1, 2, 4 … minutes after each failure.';

-- ledger.interruptions ---------------------------------------------------------------------------
comment on table ledger.interruptions is
    'Files whose reading a run did not finish (读取中断), the process having died while reading: '
    'after the first the file is read again, after a second it is rejected.';
comment on column ledger.interruptions.submission_id is
    'Submission being read (文件编号).';
comment on column ledger.interruptions.noticed_at is
    'When the next run found the reading cut short (发现时间).';

-- ledger.receipts --------------------------------------------------------------------------------
comment on table ledger.receipts is
    'Receipts (回执) written to each department''s outbox (outbox/<department>/), one per '
    'submission once its outcome was final: what was received, its status, rows counted and set '
    'aside, and what to do next; with a workbook of the rows, problem cells marked, where rows '
    'need fixing.';
comment on column ledger.receipts.submission_id is
    'Submission the receipt is for (文件编号).';
comment on column ledger.receipts.written_at is
    'When the receipt was written (回执时间).';
comment on column ledger.receipts.receipt_path is
    'The receipt''s path inside the outbox (回执文件).';
comment on column ledger.receipts.workbook_path is
    'The workbook of the rows as read, problem cells marked, inside the outbox (问题行工作簿); '
    'empty when no row needs fixing.';

-- ledger.scorecard_history -----------------------------------------------------------------------
comment on table ledger.scorecard_history is
    'Scorecard history (历次记分记录), append-only: each indicator''s reading whenever its status, '
    'actual, as_of or target changed. Answers "what did the scorecard say on date X" as reported '
    'then.';
comment on column ledger.scorecard_history.recorded_at is
    'When the reading was recorded (记录时间), by the clock.';
comment on column ledger.scorecard_history.indicator_id is
    'Indicator id (指标编号).';
comment on column ledger.scorecard_history.as_of is
    'Month the reading''s figures were as of (数据截至月份).';
comment on column ledger.scorecard_history.actual_value is
    'Actual value (实际完成值) then, in the indicator''s unit.';
comment on column ledger.scorecard_history.target_value is
    'Target value (目标值) then.';
comment on column ledger.scorecard_history.status is
    'Status (进度状态) then: see marts.indicator_progress.status.';
comment on column ledger.scorecard_history.status_zh is
    'Status in Chinese (进度状态) then.';
comment on column ledger.scorecard_history.submission_ids is
    'The submissions (报送文件) the reading rested on.';
comment on column ledger.scorecard_history.evaluated_on is
    'Evaluation date (评估日期) the reading was judged on: the run''s day in Asia/Shanghai, or the '
    'replayed day when WORKPLAN_AS_OF_DATE was set (as in the demo).';
comment on column ledger.scorecard_history.status_month is
    'Month the status was for (状态所属月份) then: the month owed or the latest with data.';
comment on column ledger.scorecard_history.last_status is
    'Status of the last known figure (最近数据状态) then.';
comment on column ledger.scorecard_history.plan_year is
    'Plan year (计划年度) of the reading: readings are kept per plan year and indicator.';
