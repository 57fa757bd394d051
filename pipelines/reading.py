"""Turn a department's file into canonical text rows, whatever shape the file arrives in.

CSV is transcoded to UTF-8 in a streaming step (duckdb reads neither GBK nor GB18030) and loaded
by DuckDB itself; workbooks are read with calamine. Either way the header row is found by its
contents, mapped to the contract's canonical names, and every value is kept as received text:
typing happens in SQL (staging) so the raw layer stays exactly what the department sent.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
from python_calamine import CalamineWorkbook

from pipelines.contracts import Contract, normalise_header
from pipelines.warehouse import quote_identifier

HEADER_SEARCH_ROWS = 30
CSV_SUFFIXES = {".csv", ".txt"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
SNIFF_BYTES = 1 << 16


class FileRejected(Exception):
    """A file that cannot be read as the feed's template; the message is for the clerk."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh


@dataclass
class HeaderMatch:
    """Where the header row is and which source column feeds each canonical column."""

    row_index: int
    positions: dict[str, int]
    found: list[str]
    unknown: list[str] = field(default_factory=list)


def match_header(rows: list[list[str]], contract: Contract) -> HeaderMatch:
    """Find the first row naming every required column, or reject naming found and expected."""
    best: tuple[int, list[str]] | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        normalised = [normalise_header(cell) for cell in row]
        positions: dict[str, int] = {}
        for column in contract.columns:
            for pos, cell in enumerate(normalised):
                if cell and cell in column.headers() and pos not in positions.values():
                    positions[column.name] = pos
                    break
        missing = [c.header_zh for c in contract.required if c.name not in positions]
        if not missing:
            known = set(positions.values())
            unknown = [cell for pos, cell in enumerate(row) if cell.strip() and pos not in known]
            return HeaderMatch(index, positions, [c for c in row if c.strip()], unknown)
        if best is None or len(missing) < len(best[1]):
            best = (index, missing)
    found = [c for c in rows[best[0]] if c.strip()] if best and rows else []
    missing = best[1] if best else [c.header_zh for c in contract.required]
    template = [c.header_zh for c in contract.columns]
    raise FileRejected(
        f"No header row with the required columns of feed {contract.feed}: missing "
        f"{', '.join(missing)}; found {', '.join(found) or 'no columns'}. "
        f"Use the template's headers: {', '.join(template)}.",
        f"未找到包含必填列的表头：缺少 {'、'.join(missing)}；文件中的列为 "
        f"{'、'.join(found) or '（无）'}。请使用模板表头：{'、'.join(template)}。",
    )


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the bytes decode so, else GB18030 (a GBK superset)."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # An incremental decoder tolerates a multi-byte character cut at the sniff boundary.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SNIFF_BYTES)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("gb18030")
    except UnicodeDecodeError as error:
        raise FileRejected(
            f"The file is neither UTF-8 nor GBK text (byte {error.start} cannot be decoded); "
            "save it as CSV (UTF-8 or GBK) or as an .xlsx workbook.",
            f"文件既不是 UTF-8 也不是 GBK 编码的文本（第 {error.start} 字节无法解码）；"
            "请另存为 CSV（UTF-8 或 GBK）或 .xlsx 工作簿。",
        ) from error
    return "gb18030"


def transcode_to_utf8(path: Path, encoding: str, workdir: Path) -> Path:
    """Stream a non-UTF-8 CSV into a UTF-8 copy in bounded memory, for DuckDB to read."""
    if encoding == "utf-8":
        return path
    target = workdir / "transcoded.csv"
    try:
        with (
            open(path, encoding=encoding, newline="") as source,
            open(target, "w", encoding="utf-8", newline="") as sink,
        ):
            while chunk := source.read(1 << 20):
                sink.write(chunk)
    except UnicodeDecodeError as error:
        raise FileRejected(
            f"The file is not valid {encoding} text past byte {error.start}; "
            "re-save it from Excel.",
            f"文件在第 {error.start} 字节之后不是有效的 {encoding} 文本；请从 Excel 重新另存。",
        ) from error
    return target


def load_csv(
    con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, target: str
) -> HeaderMatch:
    """Load a CSV's data rows, as text, into the temporary table `target` (canonical columns)."""
    with tempfile.TemporaryDirectory(prefix="workplan-") as workdir:
        utf8 = transcode_to_utf8(path, detect_encoding(path), Path(workdir))
        with open(utf8, encoding="utf-8-sig", newline="") as handle:
            head = [
                row for _, row in zip(range(HEADER_SEARCH_ROWS), csv.reader(handle), strict=False)
            ]
        match = match_header(head, contract)
        width = max(len(head[match.row_index]), 1)
        columns = {f"c{i}": "VARCHAR" for i in range(width)}
        con.execute(
            f"create or replace temp table {quote_identifier(target)} as "
            "select row_number() over () + ? as row_number, * "
            "from read_csv(?, header = false, skip = ?, columns = ?, delim = ',', quote = '\"', "
            "escape = '\"', null_padding = true, strict_mode = false, encoding = 'utf-8')",
            [match.row_index + 1, str(utf8), match.row_index + 1, columns],
        )
    return match


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


def load_workbook(
    con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, target: str
) -> HeaderMatch:
    """Load the workbook sheet whose header matches the contract into the temp table `target`."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises several error types for unreadable workbooks
        raise FileRejected(
            f"The workbook cannot be opened ({error}); re-save it as .xlsx without a password.",
            f"无法打开该工作簿（{error}）；请另存为无密码的 .xlsx 文件。",
        ) from error
    rejection: FileRejected | None = None
    for sheet_name in workbook.sheet_names:
        rows = [
            [cell_text(v) or "" for v in row]
            for row in workbook.get_sheet_by_name(sheet_name).to_python()
        ]
        try:
            match = match_header(rows, contract)
        except FileRejected as error:
            rejection = rejection or error
            continue
        width = len(rows[match.row_index])
        body = rows[match.row_index + 1 :]
        table = pa.table(
            {
                "row_number": pa.array(
                    range(match.row_index + 2, match.row_index + 2 + len(body)), pa.int64()
                ),
                **{
                    f"c{i}": pa.array(
                        [(r[i] if i < len(r) and r[i] != "" else None) for r in body], pa.string()
                    )
                    for i in range(width)
                },
            }
        )
        con.register("workbook_rows", table)
        con.execute(
            f"create or replace temp table {quote_identifier(target)} as "
            "select * from workbook_rows"
        )
        con.unregister("workbook_rows")
        return match
    raise rejection or FileRejected("The workbook has no sheets.", "工作簿中没有工作表。")


def load_file(
    con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, target: str
) -> HeaderMatch:
    """Read `path` into temp table `target` with columns row_number, c0..cN (all text)."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return load_csv(con, path, contract, target)
    if suffix in WORKBOOK_SUFFIXES:
        return load_workbook(con, path, contract, target)
    raise FileRejected(
        f"Files of type '{suffix or '(none)'}' are not accepted; send .xlsx, .xls or .csv.",
        f"不接受“{suffix or '无扩展名'}”类型的文件；请报送 .xlsx、.xls 或 .csv 文件。",
    )


def canonical_select(match: HeaderMatch, contract: Contract, source: str) -> str:
    """SQL selecting the contract's columns, as trimmed text, from a loaded file's columns.

    Blank rows and 合计/小计 total rows are dropped here, before anything counts them.
    """
    parts = ["row_number"]
    for column in contract.columns:
        pos = match.positions.get(column.name)
        expr = f"nullif(trim(c{pos}), '')" if pos is not None else "null::varchar"
        parts.append(f"{expr} as {quote_identifier(column.name)}")
    any_value = " or ".join(
        f"nullif(trim(c{pos}), '') is not null" for pos in sorted(match.positions.values())
    )
    total = " or ".join(
        f"coalesce(regexp_matches(trim(c{pos}), '^(合\\s*计|小\\s*计|总\\s*计)$'), false)"
        for pos in sorted(match.positions.values())
    )
    return (
        f"select {', '.join(parts)} from {quote_identifier(source)} "
        f"where ({any_value}) and not ({total})"
    )
