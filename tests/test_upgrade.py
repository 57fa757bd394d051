"""A warehouse made by an earlier version opens with this one: raw rows stored as text only in a
table, typed rows as a view and staging as tables (the layout before values were parsed on
receipt) are brought to the current layout by `prepare`, keeping every row, parsing each value
once and writing each submission's rows to its raw file.

Tier: functions on small data, with a real DuckDB file.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pipelines.files.contracts import load_contract
from pipelines.store.ingest import prepare
from pipelines.store.warehouse import connect, quote_identifier

TOURISM = "tourism_revenue"


def test_text_only_raw_rows_are_parsed_once_on_upgrade(tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    names = load_contract(TOURISM).column_names
    with connect(path) as con:
        # The earlier layout: raw as text only, a typed view, staging as a table.
        con.execute("create schema raw; create schema staging; create schema ledger")
        columns = ", ".join(f"{quote_identifier(c)} varchar" for c in names)
        con.execute(
            f"create table raw.{TOURISM} (submission_id varchar not null, "
            f"row_number integer not null, {columns})"
        )
        con.execute(
            f"insert into raw.{TOURISM} (submission_id, row_number, period, area, visitors, "
            "revenue_wan) values ('s1', 2, '2024年3月', '景区01', '1,200', '3.5'), "
            "('s1', 3, '2024-03', '景区02', 'n/a', '(12)')"
        )
        con.execute(
            "create table ledger.submission_columns (submission_id varchar, column_name varchar, "
            "header varchar, unit varchar, unit_factor decimal(18, 6), default_year integer)"
        )
        # The file gave revenue in 亿元: each value is 10,000 万元.
        con.execute(
            "insert into ledger.submission_columns values "
            "('s1', 'revenue_wan', '旅游收入（亿元）', '亿元', 10000, null)"
        )
        con.execute(f"create view staging.{TOURISM}_typed as select * from raw.{TOURISM}")
        con.execute(f"create table staging.{TOURISM} as select 'dept' as department")
    with connect(path) as con:
        prepare(con)
        typed = con.execute(
            f"select row_number, period, area, visitors, visitors__text, revenue_wan "
            f"from staging.{TOURISM}_typed order by row_number"
        ).fetchall()
        kinds = dict(
            con.execute(
                "select table_schema || '.' || table_name, table_type "
                "from information_schema.tables "
                "where table_schema in ('raw', 'staging') and table_name like 'tourism%'"
            ).fetchall()
        )
        files = con.execute("select submission_id, file, row_count from raw.files").fetchall()
    # The raw table's rows are now its submission's file, which raw's view reads.
    assert files == [("s1", f"raw/{TOURISM}/s1.parquet", 2)]
    assert typed == [
        (2, dt.date(2024, 3, 1), "景区01", 1200, "1,200", Decimal("35000.0000")),
        (3, dt.date(2024, 3, 1), "景区02", None, "n/a", Decimal("-120000.0000")),
    ]
    assert kinds == {
        f"raw.{TOURISM}": "VIEW",
        f"staging.{TOURISM}_typed": "VIEW",
        f"staging.{TOURISM}": "VIEW",
    }


def test_submission_columns_gain_the_column_letter_and_an_exact_factor(tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    with connect(path) as con:
        # The ledger as first made: no column letter, the factor kept to four decimals.
        con.execute("create schema ledger")
        con.execute(
            "create table ledger.submission_columns (submission_id varchar not null, "
            "column_name varchar not null, header_found varchar not null, unit_found varchar, "
            "unit_factor decimal(10, 4), default_year integer, "
            "primary key (submission_id, column_name))"
        )
        con.execute(
            "insert into ledger.submission_columns values "
            "('s1', 'revenue_wan', '旅游收入（元）', '元', 0.0001, null)"
        )
    with connect(path) as con:
        prepare(con)
        prepare(con)  # twice: the upgrade is done once and then left alone
        # A file read since records where its values came from, and 元 to 亿元 stays exact.
        con.execute(
            "insert into ledger.submission_columns (submission_id, column_name, header_found, "
            "unit_found, unit_factor, source_column) values "
            "('s2', 'revenue_wan', '旅游收入/亿元', '亿元', 0.00000001, 'AA')"
        )
        rows = con.execute(
            "select submission_id, header_found, unit_factor, source_column "
            "from ledger.submission_columns order by submission_id"
        ).fetchall()
        (factor_type,) = con.execute(
            "select data_type from information_schema.columns "
            "where table_name = 'submission_columns' and column_name = 'unit_factor'"
        ).fetchone()
    assert rows == [
        ("s1", "旅游收入（元）", Decimal("0.0001"), None),
        ("s2", "旅游收入/亿元", Decimal("0.00000001"), "AA"),
    ]
    assert factor_type == "DECIMAL(18,8)"


def test_scorecard_readings_gain_their_plan_year(tmp_path) -> None:
    # Readings recorded when one plan year was scored and plans were not yet data: each gets the
    # year of the month it was read for, or of the day it was judged on when no month was due.
    path = tmp_path / "old.duckdb"
    with connect(path) as con:
        con.execute("create schema ledger")
        con.execute(
            "create table ledger.scorecard_history (recorded_at timestamptz not null, "
            "indicator_id varchar not null, as_of date, actual_value double, "
            "target_value double, status varchar not null, status_zh varchar not null, "
            "submission_ids varchar[] not null, evaluated_on date not null, "
            "status_month date, last_status varchar)"
        )
        con.execute(
            "insert into ledger.scorecard_history values "
            "('2025-01-05 10:00+08', 'T08', '2024-11-01', 9322, 10000, 'awaiting_final', "
            "'待年终数据', [], '2025-01-05', '2024-12-01', 'on_pace'), "
            "('2024-01-20 10:00+08', 'T19', null, null, 6.5, 'no_data', '数据缺报', [], "
            "'2024-01-20', null, 'no_data')"
        )
    with connect(path) as con:
        prepare(con)
        prepare(con)  # twice: the readings keep the year they were given
        years = con.execute(
            "select indicator_id, plan_year from ledger.scorecard_history order by 1"
        ).fetchall()
    assert years == [("T08", 2024), ("T19", 2024)]


# Each layout change to the ledger since the upgrade above (commit e31630b), with the table as it
# was before the change and a row in it, and what the row reads like after `prepare`, which must
# keep it and let the current code write the new columns and tables. The change of
# ledger.submission_columns (column letter, exact factor) is the test above. The `receiving`
# status (7b132de) changed no layout: `status` is varchar with no list of values, so a ledger made
# before takes it as it is (the interruptions case writes one).
LAYOUT_CHANGES = {
    # cf94496: alerts delivered outside the runs count their attempts and back off.
    "alerts_delivery_attempts": (
        [
            "create table ledger.alerts (alert_key varchar primary key, "
            "raised_at timestamptz not null, kind varchar not null, feed varchar not null, "
            "department varchar, subject varchar not null, message_en varchar not null, "
            "message_zh varchar not null, sent_at timestamptz, delivery_error varchar)",
            "insert into ledger.alerts (alert_key, raised_at, kind, feed, subject, message_en, "
            "message_zh) values ('a1', '2024-03-01 08:00+08', 'rejected', 'projects', 's', "
            "'en', 'zh')",
        ],
        "update ledger.alerts set attempts = attempts + 1, "
        "next_attempt_at = '2024-03-01 08:01+08' where alert_key = 'a1'",
        "select alert_key, kind, attempts, next_attempt_at is not null from ledger.alerts",
        [("a1", "rejected", 1, True)],
    ),
    # 0e2de99: the scorecard's reading records the month owed and the last figure's status.
    "scorecard_history_month_owed": (
        [
            "create table ledger.scorecard_history (recorded_at timestamptz not null, "
            "indicator_id varchar not null, as_of date, actual_value double, "
            "target_value double, status varchar not null, status_zh varchar not null, "
            "submission_ids varchar[] not null, evaluated_on date not null)",
            "insert into ledger.scorecard_history values ('2024-03-01 08:00+08', 'T12', "
            "'2024-01-01', 30.0, 8.0, 'ahead', '超进度', ['s1'], '2024-03-01')",
        ],
        "insert into ledger.scorecard_history (recorded_at, indicator_id, as_of, actual_value, "
        "target_value, status, status_zh, submission_ids, evaluated_on, status_month, "
        "last_status) values ('2024-04-01 08:00+08', 'T12', '2024-02-01', 25.0, 8.0, "
        "'no_data', '数据缺报', ['s1'], '2024-04-01', '2024-03-01', 'ahead')",
        "select indicator_id, status, status_month, last_status from ledger.scorecard_history "
        "order by recorded_at",
        [
            ("T12", "ahead", None, None),
            ("T12", "no_data", dt.date(2024, 3, 1), "ahead"),
        ],
    ),
    # 7b132de: a file recorded `receiving` before it is read; a run that died reading it is
    # noted in ledger.interruptions.
    "interruptions_and_receiving": (
        ["create table ledger.kept (note varchar)", "insert into ledger.kept values ('old')"],
        "insert into ledger.interruptions (submission_id, noticed_at) "
        "values ('s1', '2024-03-01 08:00+08')",
        "select submission_id, (select count(*) from ledger.kept) from ledger.interruptions",
        [("s1", 1)],
    ),
    # 0e2de99: each receipt written to a department's outbox is recorded.
    "receipts": (
        ["create table ledger.kept (note varchar)", "insert into ledger.kept values ('old')"],
        "insert into ledger.receipts (submission_id, written_at, receipt_path) values "
        "('s1', '2024-03-01 08:00+08', 'outbox/culture_tourism/回执.txt')",
        "select submission_id, receipt_path from ledger.receipts",
        [("s1", "outbox/culture_tourism/回执.txt")],
    ),
}


@pytest.mark.parametrize("change", LAYOUT_CHANGES)
def test_each_later_layout_change_is_made_by_prepare_keeping_every_row(tmp_path, change) -> None:
    older, write_new, read, expected = LAYOUT_CHANGES[change]
    path = tmp_path / "old.duckdb"
    with connect(path) as con:
        con.execute("create schema ledger")
        for statement in older:
            con.execute(statement)
    with connect(path) as con:
        prepare(con)
        prepare(con)  # twice: the upgrade is done once and then left alone
        con.execute(write_new)
        assert con.execute(read).fetchall() == expected
    if change == "interruptions_and_receiving":
        with connect(path) as con:
            con.execute(
                "insert into ledger.submissions (submission_id, feed, file_name, landing_path, "
                "archive_path, size_bytes, sha256, received_at, status) values ('s1', "
                "'projects', 'a.csv', 'projects/investment/a.csv', 'ab/ab.csv', 1, 'ab', "
                "'2024-03-01 08:00+08', 'receiving')"
            )
            assert con.execute("select status from ledger.submissions").fetchall() == [
                ("receiving",)
            ]


def test_fact_tables_of_the_layouts_before_become_views_over_the_raw_files(tmp_path) -> None:
    # Issue 16: fact tables were tables in each database, recorded in staging.fact_contents;
    # then Parquet files of their own, written from views in staging, recorded in
    # staging.fact_files, with the event counts kept per such file.
    path = tmp_path / "old.duckdb"
    with connect(path) as con:
        prepare(con)
        con.execute("drop view marts.fact_tourism_revenue")
        con.execute(
            "create table marts.fact_tourism_revenue (department varchar, period date, "
            "area varchar, submission_id varchar)"
        )
        con.execute(
            "insert into marts.fact_tourism_revenue (department, period, area, submission_id) "
            "values ('culture_tourism', '2024-01-01', '太阳岛', 's1')"
        )
        con.execute("create table staging.fact_contents (holder varchar)")
        con.execute("create table staging.published_file (identity varchar)")
        con.execute("create table staging.fact_files (fact_table varchar, file varchar)")
        con.execute("create table staging.fact_event_counts (file varchar)")
        con.execute("create table staging.event_counts (submission_id varchar)")
        con.execute("create view staging.fact_projects as select 1 as department")
    with connect(path) as con:
        prepare(con)
        prepare(con)
        kinds = con.execute(
            "select table_schema || '.' || table_name, table_type from information_schema.tables "
            "where table_name in ('fact_tourism_revenue', 'fact_contents', 'published_file', "
            "'fact_files', 'fact_event_counts', 'fact_projects', 'event_counts', 'pair_rows', "
            "'pair_events') order by 1"
        ).fetchall()
        assert kinds == [
            ("marts.fact_projects", "VIEW"),
            ("marts.fact_tourism_revenue", "VIEW"),
            ("staging.pair_events", "BASE TABLE"),
            ("staging.pair_rows", "BASE TABLE"),
        ]
        # The rows nobody received are gone: the facts are the raw files' rows, none yet.
        assert con.execute("select count(*) from marts.fact_tourism_revenue").fetchone() == (0,)
