"""The month a file's name gives, held against the months its rows report.

Clerks name files by month ("2024年03月招商引资.xlsx") and make next month's by copying last
month's. When the name and the 报告期 column disagree, one of them is stale and nothing in the
file says which: a March name over May rows may be May's figures in a file never renamed, or
March's figures with a 报告期 column never updated, which would silently restate March. So the
file is rejected on receipt, before anything is loaded, with both months named: renaming it or
correcting the column is a minute's work for the clerk, a wrong restatement is not.

A name that gives no month (招商.csv, 2024年报表.xlsx) is not checked, nor is a file whose
rows give no readable month (validation rejects those rows with their own reason).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import duckdb

from pipelines.files.rejection import FileRejected

_RANGE = r"(?:(\d{1,2})\s*[-~～至到—–]\s*)?"
# 2024年3月, 2024年03月, 2024年1-3月 (a cumulative report: any month of the range), 3月 alone.
_CHINESE = re.compile(rf"(?:(20\d\d)\s*年\s*)?{_RANGE}(?<!\d)(\d{{1,2}})\s*月")
# 2024-03, 2024_03, 2024.03, 2024-03-05 (its month) and 202403, not part of a longer number.
_NUMERIC = re.compile(r"(?<!\d)(20\d\d)(?:[-_.]\s*(\d{1,2})|(0[1-9]|1[0-2]))(?!\d)")


def named_months(file_name: str) -> list[tuple[int | None, set[int]]]:
    """The (year or None, months) each month-naming part of a file name gives."""
    stem = unicodedata.normalize("NFKC", file_name.rsplit(".", 1)[0])
    named = []
    for found in _CHINESE.finditer(stem):
        year, first, last = found.groups()
        first_month, last_month = int(first or last), int(last)
        if 1 <= first_month <= last_month <= 12:
            named.append((int(year) if year else None, set(range(first_month, last_month + 1))))
    for found in _NUMERIC.finditer(_CHINESE.sub(" ", stem)):
        year, month = int(found.group(1)), int(found.group(2) or found.group(3))
        if 1 <= month <= 12:
            named.append((year, {month}))
    return named


def describe(named: list[tuple[int | None, set[int]]]) -> tuple[str, str]:
    """The months a name gives, in English and Chinese: 2024-03 / 2024年3月, 2024-01..03."""
    english, chinese = [], []
    for year, months in named:
        low, high = min(months), max(months)
        span = f"{low:02d}" if low == high else f"{low:02d}..{high:02d}"
        span_zh = f"{low}" if low == high else f"{low}-{high}"
        english.append(f"{year}-{span}" if year else f"month {span}")
        chinese.append(f"{year}年{span_zh}月" if year else f"{span_zh}月")
    return " / ".join(english), "、".join(chinese)


def refuse_contradicting_name(
    con: duckdb.DuckDBPyConnection, submission_id: str, file_name: str
) -> None:
    """Reject the submission when its name gives months and none of its rows' periods is one.

    Reads the periods `pipelines.store.ingest.load_rows` recorded in ledger.submission_periods
    inside the receiving transaction, so a rejection here rolls the rows back with it.
    """
    named = named_months(file_name)
    if not named:
        return
    periods: list[dt.date] = [
        period
        for (period,) in con.execute(
            "select period from ledger.submission_periods where submission_id = ? order by 1",
            [submission_id],
        ).fetchall()
    ]
    if not periods or any(
        (year is None or period.year == year) and period.month in months
        for period in periods
        for year, months in named
    ):
        return
    name_en, name_zh = describe(named)
    found = ", ".join(f"{p:%Y-%m}" for p in periods)
    found_zh = "、".join(f"{p.year}年{p.month}月" for p in periods)
    raise FileRejected(
        f"The file name says {name_en} but its rows' 报告期 is {found}. One of them is out of "
        "date: rename the file to the month its rows report, or correct the 报告期 column, and "
        "send it again. Nothing from this file was loaded.",
        f"文件名显示为{name_zh}，但表内报告期为{found_zh}，二者不一致：请将文件名改为表内数据"
        "所属月份，或更正“报告期”列后重新报送。本文件未导入任何数据。",
    )
