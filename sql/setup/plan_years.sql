-- Readings of the scorecard are kept per plan year since plans arrive as data, one per year. A
-- warehouse made before has the column added; its older readings all belong to the one plan year
-- it then scored, which is the year of the month they were read for (or judged on, when no month
-- was yet due).
alter table ledger.scorecard_history add column if not exists plan_year integer;

update ledger.scorecard_history
set plan_year = year(coalesce(status_month, as_of, evaluated_on))
where plan_year is null;
