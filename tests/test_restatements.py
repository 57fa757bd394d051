"""A corrected file for the same department and period replaces the earlier one downstream;
every version stays in raw and in the ledger."""

from __future__ import annotations

import duckdb

from tests.helpers import drop_csv, run_refresh, settings_for

TOURISM = "tourism_revenue"


def test_a_corrected_file_replaces_the_earlier_one_and_both_stay_on_record(tmp_path):
    # Judged on 20 February 2024, when January (due on the 10th) is the month owed.
    settings = settings_for(tmp_path, as_of_date="2024-02-20")
    # January: 2023 = 100 万元; 2024 first reported as 120 (+20%), then corrected to 150 (+50%).
    drop_csv(
        settings,
        TOURISM,
        "culture_tourism",
        "2023-01.csv",
        [dict(period="2023-01", area="太阳岛", revenue_wan=100)],
    )
    drop_csv(
        settings,
        TOURISM,
        "culture_tourism",
        "2024-01.csv",
        [dict(period="2024-01", area="太阳岛", revenue_wan=120)],
    )
    assert run_refresh(settings).success
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        (first,) = con.execute(
            "select actual_value from marts.indicator_progress where indicator_id = 'T12'"
        ).fetchone()
    assert first == 20.0

    drop_csv(
        settings,
        TOURISM,
        "culture_tourism",
        "2024-01 更正.csv",
        [dict(period="2024-01", area="太阳岛", revenue_wan=150)],
    )
    assert run_refresh(settings).success
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        (corrected, status) = con.execute(
            "select actual_value, status from marts.indicator_progress where indicator_id = 'T12'"
        ).fetchone()
        ledger = con.execute(
            "select file_name, status, superseded_by is not null from ledger.submissions "
            "where feed = 'tourism_revenue' order by file_name"
        ).fetchall()
        (facts,) = con.execute("select count(*) from marts.fact_tourism_revenue").fetchone()
        change = con.execute(
            "select c.previous_status, c.status, list(s.file_name) "
            "from marts.status_changes c, unnest(c.restated_by) as r(id) "
            "join ledger.submissions s on s.submission_id = r.id "
            "where c.indicator_id = 'T12' group by all"
        ).fetchall()
        said_before = con.execute(
            "select actual_value, status from ledger.scorecard_history "
            "where indicator_id = 'T12' order by recorded_at"
        ).fetchall()
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        (raw_rows,) = con.execute("select count(*) from raw.tourism_revenue").fetchone()
    assert corrected == 50.0
    assert status == "ahead"  # 50 / 30 >= 1 + 0.05
    assert ledger == [
        ("2023-01.csv", "accepted", False),
        ("2024-01 更正.csv", "accepted", False),
        ("2024-01.csv", "superseded", True),
    ]
    assert facts == 2  # one row per period: the correction replaced, never doubled
    assert raw_rows == 3  # every version kept as received
    # 20 / 30 = 0.67 of the growth target: behind; the correction made it ahead.
    assert change == [("behind", "ahead", ["2024-01 更正.csv"])]
    assert said_before == [(20.0, "behind"), (50.0, "ahead")]
