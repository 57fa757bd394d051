"""A warehouse made by an earlier version opens with this one: raw rows stored as text only, typed
rows as a view and staging as tables (the layout before values were parsed on receipt) are
brought to the current layout by `prepare`, keeping every row and parsing each value once.

Tier: functions on small data, with a real DuckDB file.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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
                "select table_name, table_type from information_schema.tables "
                "where table_schema = 'staging' and table_name like 'tourism%'"
            ).fetchall()
        )
    assert typed == [
        (2, dt.date(2024, 3, 1), "景区01", 1200, "1,200", Decimal("35000.0000")),
        (3, dt.date(2024, 3, 1), "景区02", None, "n/a", Decimal("-120000.0000")),
    ]
    assert kinds == {f"{TOURISM}_typed": "VIEW", TOURISM: "VIEW"}


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
