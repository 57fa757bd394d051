"""Read a workbook department file with calamine: each sheet's cells as the text a clerk sees.

calamine gives values; what Excel shows can differ, and the difference is read here: percent
cells, error cells and formulas nobody calculated come from `cell_formats`, whole numbers lose
their '.0', other numbers are shown to Excel's 15 significant digits, and a number of 16 digits
or more (an 18-digit credit code typed into a number cell, its last digits already lost) is
shown as Excel's General format shows it, 9.14403E+17, which the suites quarantine naming the
cause. Only visible worksheets are read: a hidden sheet is named in a warning, and several
visible sheets that all carry the template's header and data (monthly tabs 8月, 9月) are refused,
since reading one of them would silently drop the others.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from pipelines.files.bounds import column_letters
from pipelines.files.cell_formats import (
    Overrides,
    hidden_rows,
    number_text,
    workbook_overrides,
)
from pipelines.files.contracts import Contract
from pipelines.files.headers import LABELLED_VALUE, HeaderMatch, match_header
from pipelines.files.rejection import FileRejected
from pipelines.files.row_kinds import LISTED_ROWS, materialise
from pipelines.files.templates import example_marks

# Excel keeps 15 significant digits: from 10^15 on, a whole number has lost digits (an 18-digit
# code typed into a number cell ends in zeros), and General shows it in scientific notation.
LOST_DIGITS_FROM = 1e15
# A total's cell (合计, 共计, 汇总, 小计… as `row_kinds.TOTAL_CELL` and `SUBTOTAL_CELL` read
# them in DuckDB; Python's re has no \p{Han}), or a labelled footer (填报人：…): not a data row
# of a template copy.
_TOTAL = re.compile(
    r"^\s*\S{0,16}\s*([合总共小]\s*计|汇\s*总)\s*[:：]?\s*([(（][^)）]{0,30}[)）])?\s*$"
)


def scientific(value: float) -> str:
    """A number as General shows it in a standard-width column: 9.14403E+17."""
    mantissa, exponent = f"{value:.5E}".split("E")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}E{exponent[0]}{int(exponent[1:]):02d}"


def cell_text(value: object) -> str | None:
    """A workbook cell as the text a clerk sees: whole numbers without '.0', other numbers to
    15 significant digits, dates in ISO form."""
    kind = type(value)
    if kind is str:  # most cells: checked first, since a sheet has millions of them
        return value or None
    if kind is float and abs(value) < LOST_DIGITS_FROM:
        if value.is_integer():
            return str(int(value))
        text = repr(value)  # the shortest form that reads back the same: 1234.56 as typed
        return text if len(text) <= 16 and "e" not in text else number_text(text)
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):  # an int, or a number of 16 digits or more
        if abs(value) >= LOST_DIGITS_FROM and math.isfinite(value):
            return scientific(float(value))
        return str(int(value)) if isinstance(value, int) else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):  # a duration cell ([h]:mm): its days, as Excel stores it
        return number_text(str(Decimal(value.total_seconds()) / 86400))
    return str(value)


def sheet_rows(sheet, overrides: Overrides | None = None) -> list[list[str]]:
    """A sheet's cells as text, indexed from A1 so that row i is Excel row i + 1.

    `overrides` (from `cell_formats`) replaces the value of cells that show something else.
    A merged cell's value fills its whole range, as the clerk sees it: a parent header over its
    sub-headers, a 报告期 merged down the rows it applies to.
    """
    rows = [[cell_text(v) or "" for v in row] for row in sheet.to_python(skip_empty_area=False)]
    for (row, column), text in (overrides or {}).items():
        if row >= len(rows):  # a row holding only an uncalculated formula calamine left out
            rows.extend([] for _ in range(row + 1 - len(rows)))
        cells = rows[row]
        if column >= len(cells):
            cells.extend([""] * (column + 1 - len(cells)))
        cells[column] = text
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for row in rows[top : bottom + 1]:
            row.extend([""] * (right + 1 - len(row)))
            row[left : right + 1] = [value] * (right + 1 - left)
    return rows


def has_data(match: HeaderMatch, rows: list[list[str]], contract: Contract) -> bool:
    """Whether any row below the header holds a value under a template column, other than a
    合计 row, a labelled footer or the template's example row: an unused copy of the template
    has none."""
    positions = sorted(match.positions.values())
    examples = [
        (match.positions[name], value)
        for name, value in example_marks(contract).items()
        if name in match.positions
    ]
    for row in rows[match.row_index + match.header_rows :]:
        values = [row[p].strip() for p in positions if p < len(row) and row[p].strip()]
        if not values:
            continue
        first = next(cell.strip() for cell in row if cell.strip())
        if LABELLED_VALUE.match(first) or any(_TOTAL.match(cell) for cell in row if cell):
            continue
        if any(p < len(row) and row[p].strip() == value for p, value in examples):
            continue
        return True
    return False


def quoted(names: list[str], opening: str = "“", closing: str = "”") -> str:
    return "".join(f"{opening}{name}{closing}" for name in names)


def several_sheets(names: list[str]) -> FileRejected:
    listed = ", ".join(f"'{name}'" for name in names)
    return FileRejected(
        f"Sheets {listed} of the workbook all carry the template header with data rows; "
        "reading one of them would leave the others out. Send each month (or period) as a "
        "file of its own, or keep only one sheet, and send the file again.",
        f"工作簿中{quoted(names)}等多个工作表都有模板表头和数据行，读取其中一个会漏掉其他工作表。"
        "请每个月份（报告期）单独报送一个文件，或只保留一个工作表后重新报送。",
    )


def only_hidden(names: list[str]) -> FileRejected:
    listed = ", ".join(f"'{name}'" for name in names)
    return FileRejected(
        f"The template header is only on hidden sheet(s) {listed}, and hidden sheets are not "
        "read. Unhide the sheet (right-click a sheet tab > Unhide) or copy its table to a "
        "visible sheet, and send the file again.",
        f"模板表头只出现在隐藏的工作表{quoted(names)}中，隐藏的工作表不予读取。请取消隐藏"
        "（右键单击工作表标签 > 取消隐藏）或将表格复制到可见的工作表后重新报送。",
    )


def hidden_warning(names: list[str]) -> tuple[str, str]:
    listed = ", ".join(f"'{name}'" for name in names)
    return (
        f"Hidden sheet(s) {listed} were not read; if one holds figures for this report, unhide "
        "it and put them in the visible sheet.",
        f"隐藏的工作表{quoted(names)}未读取；如其中有本表数据，请取消隐藏并放入可见的工作表。",
    )


def empty_copies_warning(names: list[str]) -> tuple[str, str]:
    listed = ", ".join(f"'{name}'" for name in names)
    return (
        f"Sheet(s) {listed} carry the template header but no data rows, and were not read.",
        f"工作表{quoted(names)}只有模板表头、没有数据行，未读取。",
    )


def refuse_merged_figures(
    merged, rows: list[list[str]], match: HeaderMatch, contract: Contract
) -> None:
    """Refuse a figure merged down several data rows. A merged cell's value fills its range
    (`sheet_rows`), which is right for a 报告期 or a 项目类别 merged down the rows it applies to
    and wrong for a number: a school's 1800 new places merged over its two parts became 1800
    each. Which row the figure belongs to, or whether it is to be split, only the clerk knows."""
    first = match.row_index + match.header_rows
    figures = {
        match.positions[c.name]: c
        for c in contract.columns
        if c.type in ("integer", "decimal") and c.name in match.positions
    }
    for (top, left), (bottom, right) in merged or ():
        start = max(top, first)
        if bottom <= start or top >= len(rows) or not (rows[top][left : left + 1] or [""])[0]:
            continue  # one row, the header's own, or nothing in it
        for position, column in sorted(figures.items()):
            if left <= position <= right:
                letter = column_letters(position + 1)
                header = match.headers[column.name]
                raise FileRejected(
                    f"Rows {start + 1} to {bottom + 1} of column {letter} ({header}) are one "
                    "merged cell: its figure would count once for each of those rows. Unmerge the "
                    "cells and give each row its own figure (or put it in one row and leave the "
                    "others empty), then send the file again. Nothing from this file was loaded.",
                    f"第{start + 1}至{bottom + 1}行的{letter}列（{header}）是合并单元格：合并后的"
                    "数字会在每一行各算一次。请取消合并，每行填写各自的数（或只在一行填写、其余"
                    "留空）后重新报送。本文件未导入任何数据。",
                )


def hidden_data_rows(hidden: list[int], rows: list[list[str]], match: HeaderMatch) -> list[int]:
    """The rows below the header that Excel does not show (hidden, filtered out) and that hold a
    value under a template column, as Excel numbers them."""
    first = match.row_index + match.header_rows
    positions = sorted(match.positions.values())
    return [
        index + 1
        for index in sorted(set(hidden))
        if first <= index < len(rows)
        and any(p < len(rows[index]) and rows[index][p].strip() for p in positions)
    ]


def hidden_rows_warning(excel_rows: list[int]) -> tuple[str, str]:
    """Rows read though Excel hides them: the clerk may have meant them out (a closed scenic
    area hidden, a filter left on), and what was read should not surprise them."""
    shown = excel_rows[:LISTED_ROWS]
    more_en = f" and {len(excel_rows) - len(shown)} more" if len(excel_rows) > len(shown) else ""
    more_zh = f"等 {len(excel_rows)} 行" if len(excel_rows) > len(shown) else ""
    return (
        f"Row(s) {', '.join(map(str, shown))}{more_en} are hidden in Excel (hidden or filtered "
        "out) but hold figures, and were read as data; if they are not to be reported, delete "
        "them and send the file again.",
        f"第 {'、'.join(map(str, shown))} 行{more_zh}在 Excel 中被隐藏（或被筛选隐藏），但有数据，"
        "已按数据读取；如不应报送，请删除这些行后重新报送。",
    )


def open_workbook(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises several error types for unreadable workbooks
        raise FileRejected(
            f"The workbook cannot be opened ({error}); re-save it as .xlsx without a password.",
            "无法打开该工作簿（文件已损坏、设有密码或不是 Excel 工作簿）；"
            "请另存为无密码的 .xlsx 文件。",
        ) from error


def choose_sheet(
    workbook: CalamineWorkbook, path: Path, contract: Contract
) -> tuple[HeaderMatch, list[list[str]]]:
    """The one visible worksheet holding the template's header and data, with warnings naming
    the hidden sheets and unused template copies that were not read."""
    overrides = workbook_overrides(path)
    visible, hidden = [], []
    for sheet in workbook.sheets_metadata:
        if sheet.typ == SheetTypeEnum.WorkSheet:
            shown = sheet.visible == SheetVisibleEnum.Visible
            (visible if shown else hidden).append(sheet.name)

    def workbook_sheet(name: str) -> list[list[str]]:
        return sheet_rows(workbook.get_sheet_by_name(name), overrides.get(name))

    def read(name: str) -> tuple[HeaderMatch, list[list[str]]]:
        rows = workbook_sheet(name)
        return match_header(rows, contract), rows

    rejection: FileRejected | None = None
    found: list[tuple[str, HeaderMatch, list[list[str]]]] = []
    for name in visible:
        try:
            found.append((name, *read(name)))
        except FileRejected as error:
            rejection = rejection or error
    if not found:
        with_header = []
        for name in hidden:
            try:
                read(name)
                with_header.append(name)
            except FileRejected:
                continue
        if with_header:
            raise only_hidden(with_header)
        raise rejection or FileRejected("The workbook has no sheets.", "工作簿中没有工作表。")
    filled = [entry for entry in found if has_data(entry[1], entry[2], contract)]
    if len(filled) > 1:
        raise several_sheets([name for name, _, _ in filled])
    chosen = filled[0] if filled else found[0]
    name, match, rows = chosen
    refuse_merged_figures(
        workbook.get_sheet_by_name(name).merged_cell_ranges, rows, match, contract
    )
    unseen = hidden_data_rows(hidden_rows(path, name), rows, match)
    unused = [name for name, _, _ in found if name != chosen[0]]
    # A hidden sheet with nothing in it (a writer's own helper sheet) is not worth a word.
    hidden = [name for name in hidden if any(any(row) for row in workbook_sheet(name))]
    warnings = [hidden_warning(hidden)] if hidden else []
    warnings += [empty_copies_warning(unused)] if unused else []
    warnings += [hidden_rows_warning(unseen)] if unseen else []
    match.warnings = [*match.warnings, *warnings]
    return match, rows


def load_workbook(
    con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, target: str
) -> tuple[HeaderMatch, list[list[str]]]:
    """Load the rows below the header of the sheet whose header matches the contract into the
    temp table `target`; return the header match and the rows above the header."""
    match, rows = choose_sheet(open_workbook(path), path, contract)
    first = match.row_index + match.header_rows
    body = rows[first:]
    table = pa.table(
        {
            "row_number": pa.array(range(first + 1, len(rows) + 1), pa.int64()),
            **{
                f"c{i}": pa.array(
                    [(r[i] if i < len(r) and r[i] != "" else None) for r in body], pa.string()
                )
                for i in range(match.width)
            },
        }
    )
    con.register("workbook_rows", table)
    try:
        materialise(con, target, "workbook_rows", {}, match.width)
    finally:
        con.unregister("workbook_rows")
    return match, rows[: match.row_index]
