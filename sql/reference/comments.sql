-- Descriptions of the reference tables (catalog/*.csv and contracts/*.yaml as loaded), so the
-- Dagster UI describes their columns as it does the marts' (assets/metadata.py applies them when
-- a table lacks them). Same wording as the marts built from them (sql/marts/comments.sql).

-- reference.targets ------------------------------------------------------------------------------
comment on table reference.targets is
    'Targets catalog (考核目标目录) as loaded from the supervision office''s accepted plan files '
    '(staging.plans): every version of every target of every plan year, one row per plan year, '
    'indicator and version.';
comment on column reference.targets.indicator_id is
    'Indicator id (指标编号), e.g. T08; the same id in two plan years is the same measure.';
comment on column reference.targets.version is
    'Target version (目标版本) within the plan year, 1 for the plan as published, higher for '
    'each revision.';
comment on column reference.targets.valid_from is
    'Date this version took effect (生效日期): the first day of the plan file''s 生效月份.';
comment on column reference.targets.plan_year is
    'Plan year (计划年度): the year of valid_from.';
comment on column reference.targets.name_zh is
    'Indicator name in Chinese (指标名称) in this version.';
comment on column reference.targets.name_en is
    'Indicator name in English (英文名称) in this version.';
comment on column reference.targets.plan_words_zh is
    'The work plan''s own words (计划原文) for this version.';
comment on column reference.targets.target_value is
    'Target value (目标值) in this version, in the unit column''s unit; empty for a relative '
    'target.';
comment on column reference.targets.comparator is
    'Comparator (比较方式) in this version: >, >=, about or in_step.';
comment on column reference.targets.tolerance is
    'Tolerance band (允许偏差) in percentage points in this version, for about and in_step.';
comment on column reference.targets.unit is
    'Unit (计量单位) in this version.';
comment on column reference.targets.measure is
    'How the actual is computed (计算口径) in this version; see marts.dim_indicator.measure.';
comment on column reference.targets.lead_department is
    'Lead department code (牵头单位) in this version.';
comment on column reference.targets.feed is
    'Feed (数据来源报表) the actual is read from in this version.';
comment on column reference.targets.source_department is
    'Department reporting the figures (数据报送单位) in this version.';
comment on column reference.targets.reference_indicator is
    'Reference indicator of a relative target (与…同步) in this version.';
comment on column reference.targets.metric_code is
    'Metric (指标代码) in marts.feed_metrics the actual is computed from, in this version.';
comment on column reference.targets.baseline_metric is
    'Metric holding last December''s stock (存量基数) for a stock target, in this version.';
comment on column reference.targets.frequency is
    'How often the figure is published (统计频率) in this version: monthly or quarterly.';
comment on column reference.targets.submission_id is
    'The plan file this version came from (ledger.submissions.submission_id).';

-- reference.departments --------------------------------------------------------------------------
comment on table reference.departments is
    'Departments (单位) as loaded from catalog/departments.csv, one row per district bureau.';
comment on column reference.departments.department_code is
    'Department code (单位代码), e.g. market_regulation: the landing folder name and the key used '
    'in every other table.';
comment on column reference.departments.name_zh is
    'Department name in Chinese (单位名称), e.g. 市场监督管理局.';
comment on column reference.departments.name_en is
    'Department name in English (英文名称), e.g. Market Regulation Bureau.';

-- reference.feed_departments ---------------------------------------------------------------------
comment on table reference.feed_departments is
    'Reporting obligations (报送责任) from contracts/*.yaml: one row per feed and department that '
    'must send it.';
comment on column reference.feed_departments.feed is
    'Feed code (报表代码), the contract''s file name and the landing folder, e.g. projects.';
comment on column reference.feed_departments.feed_zh is
    'Feed title in Chinese (报表名称), e.g. 招商引资及省市重点项目情况表.';
comment on column reference.feed_departments.department is
    'Department code (报送单位) obliged to send the feed: its landing sub-folder.';
comment on column reference.feed_departments.cadence is
    'How often the department sends the feed (报送频次): monthly, or annual (December only).';
comment on column reference.feed_departments.due_day is
    'Day of the month after the period by which the file is due (报送截止日).';
