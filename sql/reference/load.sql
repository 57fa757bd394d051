-- The departments, from catalog/departments.csv with explicit types.
create or replace table reference.departments as
select *
from read_csv(
    $departments_csv,
    header = true,
    columns = {'department_code': 'varchar', 'name_zh': 'varchar', 'name_en': 'varchar'}
);
