"""The month a file's name gives, held against the months its rows report.

Clerks name files by month ("2024年03月招商引资.xlsx") and make next month's by copying last
month's. When the name and the 报告期 column disagree, one of them is stale and nothing in the
file says which: a March name over May rows may be May's figures in a file never renamed, or
March's figures with a 报告期 column never updated, which would silently restate March. So the
file is rejected on receipt, before anything is loaded, with both months named: renaming it or
correcting the column is a minute's work for the clerk, a wrong restatement is not.

A name that gives no month (招商.csv, 2024年报表.xlsx) is not checked, nor is a file whose
rows give no readable month (validation rejects those rows with their own reason).

A period typed as a number loses a trailing zero: Excel shows 2023.10 as 2023.1, and a CSV saved
from Excel holds 2023.1. Such a value is January or October, and the row alone cannot say
which. The file's title (2023年10月…情况表) and name (2023年10月招商.xlsx) can: the reading
they both allow is taken; when they name neither month, or disagree, the file is refused
naming the rows, the value and both readings. It is never read as January by default.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import duckdb

from pipelines.files import bounds
from pipelines.files.contracts import Contract
from pipelines.files.rejection import FileRejected
from pipelines.store import raw_files
from pipelines.store.conform import PARSED_SUFFIX
from pipelines.store.warehouse import quote_identifier

_RANGE = r"(?:(\d{1,2})\s*[-~～至到—–]\s*)?"
# 2024年3月, 2024年03月, 2024年1-3月 (a cumulative report: any month of the range), 3月 alone.
_CHINESE = re.compile(rf"(?:(20\d\d)\s*年\s*)?{_RANGE}(?<!\d)(\d{{1,2}})\s*月")
# 2024-03, 2024_03, 2024.03, 2024-03-05 (its month) and 202403, not part of a longer number.
_NUMERIC = re.compile(r"(?<!\d)(20\d\d)(?:[-_.]\s*(\d{1,2})|(0[1-9]|1[0-2]))(?!\d)")


def named_months(file_name: str) -> list[tuple[int | None, set[int]]]:
    """The (year or None, months) each month-naming part of a file name gives."""
    return months_in(file_name.rsplit(".", 1)[0])


def months_in(text: str) -> list[tuple[int | None, set[int]]]:
    """The (year or None, months) each month-naming part of a text (a title, a name) gives."""
    stem = unicodedata.normalize("NFKC", text)
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


# A period Excel may have cut short: 2023.1 is the number 2023.1 or 2023.10 without its zero.
DROPPED_ZERO = r"\d{4}\s*\.\s*1"
# The rows a refusal names; the count says how many more there are.
SHOWN_ROWS = 5


def reported_months(text: str, contract: Contract) -> list[tuple[int | None, set[int]]]:
    """The months a title or name says the file reports. A cumulative figure (2024年1-10月) or a
    register (1-10月 as of October) reports the range's last month; a flow file's rows may fall
    in any month of its range."""
    named = months_in(text)
    if contract.kind == "flow":
        return named
    return [(year, {max(months)}) for year, months in named]


def resolve_dropped_zeros(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    submission_id: str,
    positions: dict[str, int],
    title: str | None,
    file_name: str,
) -> None:
    """Settle each period that reads 2023.1 (January, or October with its zero dropped) from
    the file's title and name, and store the month in the raw row's parsed value (its text
    stays as received); refuse the file when they do not settle it.

    Runs inside the receiving transaction, on the arriving rows and before the periods they
    cover are recorded, so a refusal here keeps none of them.
    """
    table = raw_files.ARRIVING
    sources = [
        ("title", "标题", reported_months(title or "", contract)),
        ("file name", "文件名", reported_months(file_name.rsplit(".", 1)[0], contract)),
    ]
    naming = [source for source in sources if source[2]]
    for column in (c for c in contract.columns if c.type == "month" and c.name in positions):
        text = quote_identifier(column.name)
        found = con.execute(
            # parse_month leaves these periods null: the regex runs on those rows only.
            f"select row_number, {text} from {table} "
            f"where {quote_identifier(column.name + PARSED_SUFFIX)} is null and {text} is not null "
            f"and regexp_full_match(fold_text({text}), '{DROPPED_ZERO}') order by row_number"
        ).fetchall()
        by_year: dict[int, list[tuple[int, str]]] = {}
        for row, value in found:
            year = int(re.search(r"\d{4}", unicodedata.normalize("NFKC", value)).group())
            by_year.setdefault(year, []).append((row, value))
        for year, rows in sorted(by_year.items()):
            readings = [
                month
                for month in (1, 10)
                if naming
                and all(
                    any((y is None or y == year) and month in months for y, months in named)
                    for _, _, named in naming
                )
            ]
            if len(readings) != 1:
                raise dropped_zero_refusal(column.header_zh, positions[column.name], rows, year)
            month = dt.date(year, readings[0], 1)
            raw_files.set_parsed(
                con, contract, submission_id, column.name, month, [row for row, _ in rows]
            )


def dropped_zero_refusal(
    header: str, position: int, rows: list[tuple[int, str]], year: int
) -> FileRejected:
    """Name the rows, the value as typed and both readings, and what settles it."""
    letter = bounds.column_letters(position + 1)
    numbers = [str(row) for row, _ in rows[:SHOWN_ROWS]]
    more = len(rows) - len(numbers)
    value = rows[0][1].strip()
    rows_en = ", ".join(numbers) + (f" and {more} more" if more else "")
    rows_zh = "、".join(numbers) + (f"等{len(rows)}" if more else "")
    return FileRejected(
        f"Row(s) {rows_en}, column {letter} ({header}): {value} may be {year}-01 or {year}-10, "
        f"because Excel shows the number {year}.10 as {year}.1 (it drops a trailing zero), and "
        "the file's title and name do not settle which month the file reports. Type the period "
        f"as text ({year}-10 or {year}年10月, or {year}-01), or name the month in the title or "
        "the file name, and send the file again. Nothing from this file was loaded.",
        f"第{rows_zh}行 {letter} 列（{header}）为 {value}：可能是{year}年1月，也可能是{year}年"
        f"10月（Excel 会把数字 {year}.10 末尾的 0 省略，显示为 {year}.1），而文件标题和文件名"
        f"不能确定所报月份。请将{header}按文本填写（如 {year}-10 或 {year}年10月、{year}-01），"
        "或在标题或文件名中写明月份后重新报送。本文件未导入任何数据。",
    )
