"""A corrected file for the same department and period replaces the earlier one downstream;
every version stays in raw and in the ledger."""

from __future__ import annotations

import duckdb

from pipelines.checks.validation import validate_submissions
from pipelines.store.ingest import prepare, receive_feed
from pipelines.store.ledger import record_verdict
from pipelines.store.warehouse import connect, run_sql
from tests.helpers import credit_code, drop_csv, run_refresh, settings_for

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


def registration(serial: int, period: str, day: str) -> dict:
    return dict(
        period=period,
        credit_code=credit_code(serial),
        enterprise_name=f"哈尔滨新区企业{serial}",
        event_type="新登记",
        event_date=day,
    )


def judge(con: duckdb.DuckDBPyConnection, settings) -> dict[str, str]:
    """Receive, validate and record the feed's new files, as a run does: {file: status}."""
    feed = "enterprise_registrations"
    received = receive_feed(con, settings.landing, settings.archive, feed)
    ids = [s.submission_id for s in received]
    for submission_id, verdict in validate_submissions(con, feed, ids).items():
        record_verdict(con, feed, submission_id, verdict)
    run_sql(con, "ledger/supersede", {"feed": feed})
    return dict(
        con.execute(
            "select file_name, status from ledger.submissions where submission_id in "
            "(select unnest(?))",
            [ids],
        ).fetchall()
    )


def test_a_month_whose_rows_were_all_held_back_is_not_replaced_by_the_file(tmp_path) -> None:
    """September's file carries one row pasted from August's (报告期 2024-08, dated 3 September,
    so held: the date is after its period). That row never counts, so the file is no
    correction of August: August's two accepted registrations stay, and September has its
    six. Before, the file became August's current one and August counted nothing."""
    settings = settings_for(tmp_path)
    august = [registration(1, "2024-08", "2024-08-05"), registration(2, "2024-08", "2024-08-20")]
    drop_csv(settings, "enterprise_registrations", "market_regulation", "8月.csv", august)
    with connect(settings.warehouse) as con:
        prepare(con)
        assert judge(con, settings) == {"8月.csv": "accepted"}
        september = [registration(n, "2024-09", f"2024-09-0{n}") for n in range(3, 9)]
        september.append(registration(9, "2024-08", "2024-09-03"))  # 1 of 7: under 20%
        drop_csv(settings, "enterprise_registrations", "market_regulation", "9月.csv", september)
        assert judge(con, settings) == {"9月.csv": "accepted_with_quarantine"}
        counted = con.execute(
            "select c.period, s.file_name, count(*) from staging.current_submissions c "
            "join ledger.submissions s using (submission_id) "
            "join staging.enterprise_registrations r "
            "on r.submission_id = c.submission_id and r.period = c.period "
            "where c.feed = 'enterprise_registrations' group by all order by 1"
        ).fetchall()
        statuses = dict(
            con.execute(
                "select file_name, status from ledger.submissions "
                "where feed = 'enterprise_registrations'"
            ).fetchall()
        )
    assert [(str(p), name, n) for p, name, n in counted] == [
        ("2024-08-01", "8月.csv", 2),
        ("2024-09-01", "9月.csv", 6),
    ]
    assert statuses == {"8月.csv": "accepted", "9月.csv": "accepted_with_quarantine"}
