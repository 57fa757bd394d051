"""Read a workbook department file with calamine: each sheet's cells as the text a clerk sees."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
from python_calamine import CalamineWorkbook

from pipelines.files.contracts import Contract
from pipelines.files.headers import HeaderMatch, match_header
from pipelines.files.rejection import FileRejected
from pipelines.files.row_kinds import materialise


def cell_text(value: object) -> str | None:
    """A workbook cell as the text a clerk sees: whole numbers without '.0', dates in ISO form."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def sheet_rows(sheet) -> list[list[str]]:
    """A sheet's cells as text, indexed from A1 so that row i is Excel row i + 1.

    A merged cell's value fills its whole range, as the clerk sees it: a parent header over its
    sub-headers, a 报告期 merged down the rows it applies to.
    """
    rows = [[cell_text(v) or "" for v in row] for row in sheet.to_python(skip_empty_area=False)]
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for row in rows[top : bottom + 1]:
            row.extend([""] * (right + 1 - len(row)))
            row[left : right + 1] = [value] * (right + 1 - left)
    return rows


def load_workbook(
    con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, target: str
) -> tuple[HeaderMatch, list[list[str]]]:
    """Load the rows below the header of the sheet whose header matches the contract into the
    temp table `target`; return the header match and the rows above the header."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises several error types for unreadable workbooks
        raise FileRejected(
            f"The workbook cannot be opened ({error}); re-save it as .xlsx without a password.",
            f"无法打开该工作簿（{error}）；请另存为无密码的 .xlsx 文件。",
        ) from error
    rejection: FileRejected | None = None
    for sheet_name in workbook.sheet_names:
        rows = sheet_rows(workbook.get_sheet_by_name(sheet_name))
        try:
            match = match_header(rows, contract)
        except FileRejected as error:
            rejection = rejection or error
            continue
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
    raise rejection or FileRejected("The workbook has no sheets.", "工作簿中没有工作表。")
