"""Receipts (回执): what became of each file, written to the sending department's outbox.

A clerk who drops a file learns, in Chinese and within the same run, whether it counted: how many
rows were read and counted, what was set aside and why, and what to do next. Where rows were set
aside or the file was rejected for its rows, a workbook of the rows as read comes with it, the
problem cells highlighted and a 问题说明 column, so the clerk can correct it and send it back.

Receipts are written from the committed ledger only, once a submission's outcome is final, and
recorded in `ledger.receipts` afterwards: a receipt never says more than the ledger, and a run
killed in between writes the same receipt again next time. The wording is the template
`receipt.txt.j2` beside this module.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import jinja2
import xlsxwriter

from pipelines.files.contracts import load_contract
from pipelines.files.senders import department_names
from pipelines.settings import TIMEZONE
from pipelines.store.conform import raw_table
from pipelines.store.warehouse import quote_identifier, transaction

# The outcome as a clerk reads it, and what to do next.
STATUS_ZH = {
    "accepted": ("已接收", "无需处理。"),
    "accepted_with_quarantine": (
        "已接收，部分行暂不计入",
        "请按“问题说明”改正暂不计入的行，将改正后的完整文件重新报送（同一报告期的新文件将替代本文件）。",
    ),
    "rejected": (
        "已退回，未计入",
        "请按“问题说明”改正后重新报送；在重新报送并被接收之前，本单位此前已接收的数据继续有效。",
    ),
    "duplicate": ("重复报送，未重复导入", "无需处理：相同内容此前已接收。"),
    "superseded": ("已被更正版本替代", "无需处理：本单位同一报告期的新文件已替代本文件。"),
}
# Statuses that are final: a file still 'received' waits for its check.
FINAL = tuple(STATUS_ZH)
SAFE_NAME = re.compile(r"[^\w\u4e00-\u9fff.-]+")
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent),
    autoescape=False,  # plain text for people, never rendered as HTML  # noqa: S701
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)


def unwritten(con: duckdb.DuckDBPyConnection, feed: str) -> list[dict]:
    """The feed's submissions whose outcome is final and whose receipt is not written yet."""
    cursor = con.execute(
        "select s.* from ledger.submissions s "
        "where s.feed = $feed and list_contains($final, s.status) "
        "and s.submission_id not in (select submission_id from ledger.receipts) "
        "order by s.received_at, s.submission_id",
        {"feed": feed, "final": list(FINAL)},
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def findings(con: duckdb.DuckDBPyConnection, submission_id: str) -> list[tuple]:
    """The submission's quarantine entries: row, column, value found and reason, in row order."""
    return con.execute(
        "select row_number, column_name, value_found, reason_zh from ledger.quarantine "
        "where submission_id = ? order by row_number, column_name nulls first, reason_zh",
        [submission_id],
    ).fetchall()


def file_stem(submission: dict) -> str:
    """A name for the receipt that the clerk recognises and no path can be made of."""
    local = submission["received_at"].astimezone(ZoneInfo(TIMEZONE))
    stem = SAFE_NAME.sub("_", Path(submission["file_name"]).stem)[:60] or "文件"
    return f"{local:%Y%m%d-%H%M%S}_{stem}_{submission['submission_id'][:8]}"


def write_workbook(
    con: duckdb.DuckDBPyConnection, submission: dict, problems: list[tuple], path: Path
) -> None:
    """The rows as read, the cells a finding names highlighted, a 问题说明 column at the end."""
    contract = load_contract(submission["feed"])
    columns = contract.columns
    texts = ", ".join(quote_identifier(c.name) for c in columns)
    rows = con.execute(
        f"select row_number, {texts} from {raw_table(contract)} where submission_id = ? "
        "order by row_number",
        [submission["submission_id"]],
    ).fetchall()
    by_row: dict[int, list[tuple]] = {}
    for row_number, column, found, reason in problems:
        by_row.setdefault(row_number, []).append((column, found, reason))
    workbook = xlsxwriter.Workbook(str(path))
    try:
        sheet = workbook.add_worksheet("报送数据")
        header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        marked = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        note = workbook.add_format({"font_color": "#9C0006", "text_wrap": True})
        sheet.write_row(0, 0, ["原行号", *(c.header_zh for c in columns), "问题说明"], header)
        # Quarantine names a column by its template header (旅游收入); older entries by code.
        headers = {c.name: c.header_zh for c in columns}
        for index, (row_number, *values) in enumerate(rows, start=1):
            problems_here = by_row.get(row_number, [])
            named = {headers.get(column, column) for column, _, _ in problems_here}
            sheet.write_number(index, 0, row_number)
            for position, (column, value) in enumerate(zip(columns, values, strict=True)):
                style = marked if column.header_zh in named else None
                sheet.write_string(index, position + 1, value or "", style)
            explained = "；".join(
                (f"“{headers.get(column, column)}”" if column else "")
                + f"{reason}（实际为“{found}”）"
                if found is not None
                else (f"“{headers.get(column, column)}”" if column else "") + reason
                for column, found, reason in problems_here
            )
            sheet.write_string(index, len(columns) + 1, explained, note)
        sheet.freeze_panes(1, 1)
        sheet.set_column(1, len(columns), 14)
        sheet.set_column(len(columns) + 1, len(columns) + 1, 60)
    finally:
        workbook.close()


def write_receipt(
    con: duckdb.DuckDBPyConnection, submission: dict, outbox: Path
) -> tuple[Path, Path | None]:
    """Write one submission's receipt (and its workbook where rows need fixing)."""
    department = submission["department"] or "未知报送单位"
    folder = outbox / SAFE_NAME.sub("_", department)
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(submission)
    problems = findings(con, submission["submission_id"])
    workbook = None
    if problems:
        workbook = folder / f"{stem}_问题行.xlsx"
        write_workbook(con, submission, problems, workbook)
    status_zh, next_step = STATUS_ZH[submission["status"]]
    contract = load_contract(submission["feed"])
    text = TEMPLATES.get_template("receipt.txt.j2").render(
        s=submission,
        department=department_names().get(department, department),
        feed=contract.title_zh,
        received=submission["received_at"].astimezone(ZoneInfo(TIMEZONE)),
        status=status_zh,
        next_step=next_step,
        problems=len(problems),
        workbook=workbook.name if workbook else None,
    )
    receipt = folder / f"{stem}_回执.txt"
    partial = receipt.with_name(receipt.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(receipt)
    return receipt, workbook


def write_receipts(con: duckdb.DuckDBPyConnection, feed: str, outbox: Path) -> list[Path]:
    """Write the receipts the feed owes, then record them; the receipts written."""
    written = []
    for submission in unwritten(con, feed):
        receipt, workbook = write_receipt(con, submission, outbox)
        with transaction(con):
            con.execute(
                "insert or replace into ledger.receipts values (?, ?, ?, ?)",
                [
                    submission["submission_id"],
                    dt.datetime.now(dt.UTC),
                    str(receipt.relative_to(outbox)),
                    str(workbook.relative_to(outbox)) if workbook else None,
                ],
            )
        written.append(receipt)
    return written
