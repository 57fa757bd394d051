-- The target catalog and the departments, from catalog/*.csv with explicit types. Every version
-- of every target stays in reference.targets; the marts use the version in force.
create or replace table reference.departments as
select *
from read_csv(
    $departments_csv,
    header = true,
    columns = {'department_code': 'varchar', 'name_zh': 'varchar', 'name_en': 'varchar'}
);

create or replace table reference.targets as
select *
from read_csv(
    $targets_csv,
    header = true,
    columns = {
        'indicator_id': 'varchar',
        'version': 'integer',
        'valid_from': 'date',
        'plan_year': 'integer',
        'name_zh': 'varchar',
        'name_en': 'varchar',
        'plan_words_zh': 'varchar',
        'target_value': 'double',
        'comparator': 'varchar',
        'tolerance': 'double',
        'unit': 'varchar',
        'measure': 'varchar',
        'lead_department': 'varchar',
        'feed': 'varchar',
        'source_department': 'varchar',
        'reference_indicator': 'varchar',
        'metric_code': 'varchar',
        'baseline_metric': 'varchar',
        'frequency': 'varchar'
    }
);
