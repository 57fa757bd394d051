"""The value parsers of sql/setup/parsers.sql read every form clerks type for a date and a month,
each branch to the day or month worked out by hand, and nothing else.

Tier: SQL macros on a real in-memory DuckDB, one value at a time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from pipelines.store.warehouse import run_sql


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    run_sql(connection, "setup/parsers")
    return connection


DATES = [
    ("2024-03-05", dt.date(2024, 3, 5)),  # the template's form
    ("2024-02-30", None),  # no such day
    ("2024/3/5", dt.date(2024, 3, 5)),
    ("2024.3.5", dt.date(2024, 3, 5)),
    ("2024年3月5日", dt.date(2024, 3, 5)),
    ("２０２４年３月５日", dt.date(2024, 3, 5)),  # full-width digits
    ("  2024-03-05\u3000", dt.date(2024, 3, 5)),  # spaces, an ideographic one
    ("'2024-03-05", dt.date(2024, 3, 5)),  # Excel's text apostrophe
    ("2024-03-05 14:30:00", dt.date(2024, 3, 5)),
    ("20240305", dt.date(2024, 3, 5)),
    ("45356", dt.date(2024, 3, 5)),  # an Excel serial day
    ("45356.0", dt.date(2024, 3, 5)),
    ("32873", None),  # a serial before 1990
    ("2024年3月", None),  # a month is no date
    ("三月五日", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_parse_date_reads_each_form_clerks_type(con, text, expected) -> None:
    assert con.execute("select parse_date(?)", [text]).fetchone()[0] == expected


MONTHS = [
    ("2024-03", None, dt.date(2024, 3, 1)),  # the template's form
    ("2024-13", None, None),
    ("2024/3", None, dt.date(2024, 3, 1)),
    ("2024.03", None, dt.date(2024, 3, 1)),
    ("2023.1", None, None),  # 2023.10 as Excel shows it, or January: settled on receipt
    ("202403", None, dt.date(2024, 3, 1)),
    ("2024年3月", None, dt.date(2024, 3, 1)),
    ("2024年3月份", None, dt.date(2024, 3, 1)),
    ("2024年1-3月", None, dt.date(2024, 3, 1)),  # cumulative: the last month
    ("2024年1至3月累计", None, dt.date(2024, 3, 1)),
    ("３月", 2023, dt.date(2023, 3, 1)),  # the year from the file's title
    ("3月", None, None),  # no year anywhere
    ("\u30002024年3月 ", None, dt.date(2024, 3, 1)),
    ("2024-03-05", None, dt.date(2024, 3, 1)),  # a date stands for its month
    ("45356", None, dt.date(2024, 3, 1)),
    (None, 2024, None),
]


@pytest.mark.parametrize(("text", "year", "expected"), MONTHS)
def test_parse_month_reads_each_form_clerks_type(con, text, year, expected) -> None:
    assert con.execute("select parse_month(?, ?)", [text, year]).fetchone()[0] == expected


def test_parse_month_takes_the_year_from_a_column_of_the_row(con) -> None:
    # As raw's insert passes it: the submission's title year, joined per row.
    rows = con.execute(
        "select parse_month(t, y) from (values ('3月', 2023), ('4月', 2024), ('2022年5月', 2024)) "
        "v(t, y)"
    ).fetchall()
    assert rows == [(dt.date(2023, 3, 1),), (dt.date(2024, 4, 1),), (dt.date(2022, 5, 1),)]


NUMBERS = [
    ("1234.5", Decimal("1234.5")),  # the template's form
    ("1,234.5", Decimal("1234.5")),
    ("12,345,678.50", Decimal("12345678.5")),
    ("１，２３４", Decimal("1234")),  # full-width digits and comma
    (" 1 234\u3000", Decimal("1234")),  # spaces, an ideographic one
    ("(1,234.5)", Decimal("-1234.5")),  # an accounting negative
    ("-1,234", Decimal("-1234")),
    ("+1,234", Decimal("1234")),
    ("12.3%", Decimal("12.3")),  # percentage points
    ("345,6", None),  # a decimal comma: 345.6 meant, never 3456
    ("120，5", None),
    ("1,2345", None),  # a comma that groups no thousands
    ("1,234,56", None),
    ("1.2万", None),  # a unit in the cell is the unit rules' business
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_parse_number_drops_a_comma_only_where_it_groups_thousands(con, text, expected) -> None:
    assert con.execute("select parse_number(?)", [text]).fetchone()[0] == expected
