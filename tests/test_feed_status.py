"""Lateness per department: the first missing period is owed, due on the feed's due day of the
following month; a missing month shows no_data, and months not yet due are not scored."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tests.helpers import drop_csv, run_refresh, settings_for

TOURISM = "tourism_revenue"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    # Judged on 20 March 2024: tourism sent January and March 2024 but not February.
    settings = settings_for(tmp_path_factory.mktemp("late"), as_of_date="2024-03-20")
    for period in ("2023-01", "2023-02", "2023-03", "2024-01", "2024-03"):
        drop_csv(
            settings,
            TOURISM,
            "culture_tourism",
            f"{period}.csv",
            [dict(period=period, area="太阳岛", revenue_wan=100)],
        )
    assert run_refresh(settings).success
    con = duckdb.connect(str(settings.analysts), read_only=True)
    yield con
    con.close()


def test_a_gap_is_owed_even_after_later_months_arrived(warehouse):
    row = warehouse.execute(
        "select last_period, periods_received, next_period, next_due, is_overdue, days_overdue, "
        "status, status_zh from marts.feed_status "
        "where feed = 'tourism_revenue' and department = 'culture_tourism'"
    ).fetchone()
    # February is owed by 10 March (due day 10 of the following month): 10 days late on 20 March.
    assert row == (
        dt.date(2024, 3, 1),
        2,
        dt.date(2024, 2, 1),
        dt.date(2024, 3, 10),
        True,
        10,
        "overdue",
        "数据缺报",
    )


def test_a_department_that_sent_nothing_owes_january(warehouse):
    row = warehouse.execute(
        "select next_period, next_due, days_overdue from marts.feed_status "
        "where feed = 'headline_statistics' and department = 'statistics'"
    ).fetchone()
    # Headline statistics are due on the 15th: January by 15 February, 34 days before 20 March.
    assert row == (dt.date(2024, 1, 1), dt.date(2024, 2, 15), 34)


def test_annual_reporter_owes_only_december(warehouse):
    row = warehouse.execute(
        "select cadence, next_period, is_overdue, status from marts.feed_status "
        "where feed = 'headline_statistics' and department = 'science_technology'"
    ).fetchone()
    assert row == ("annual", dt.date(2024, 12, 1), False, "on_time")


def test_missing_month_is_no_data_and_later_months_are_not_scored_yet(warehouse):
    months = warehouse.execute(
        "select month, status from marts.indicator_progress_monthly "
        "where indicator_id = 'T12' order by month"
    ).fetchall()
    # January scored (+0%); February due and missing; March's total needs February; April+ not due.
    assert months == [(dt.date(2024, 1, 1), "behind"), (dt.date(2024, 2, 1), "no_data")]
    latest = warehouse.execute(
        "select as_of, actual_value, feed_overdue, evaluated_on from marts.indicator_progress "
        "where indicator_id = 'T12'"
    ).fetchone()
    assert latest == (dt.date(2024, 1, 1), 0.0, True, dt.date(2024, 3, 20))


def test_quarterly_figures_are_owed_only_at_quarter_ends(warehouse):
    months = warehouse.execute(
        "select indicator_id, list(strftime(month, '%m') order by month) "
        "from marts.indicator_progress_monthly where indicator_id in ('T18', 'T19') group by 1 "
        "order by 1"
    ).fetchall()
    # On 20 March, January and February figures are due (the 15th of the next month) for the
    # monthly T18; the quarterly T19 owes March, due 15 April: nothing yet.
    assert months == [("T18", ["01", "02"])]
