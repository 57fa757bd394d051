"""Turn a department's file into canonical text rows, whatever shape the file arrives in.

Clerks send the workbook they keep: a title row, a header over one or two rows (merged cells),
blank rows and columns, 合计 rows and a footer naming who filled it in. A CSV's head is read
here; a plain file's rows are then read by DuckDB itself (`pipelines.files.csv_fast`), any other is
decoded and normalised in one streaming pass (duckdb reads neither GBK nor ragged rows) into a
UTF-8 file with the source line of every record, which DuckDB loads as text; workbooks are read
with calamine. Either way the header is found by its contents, every data row keeps the row number
the clerk sees, total and footer rows are told apart, and every value stays the text received:
typing happens in SQL (`pipelines.store.conform`) so the raw layer is exactly what the
department sent.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path

import duckdb
import pyarrow as pa
from python_calamine import CalamineWorkbook

from pipelines.files import bounds, csv_fast
from pipelines.files.contracts import FEEDS, Column, Contract, load_contract, normalise_header
from pipelines.files.rejection import FileRejected
from pipelines.store.warehouse import quote_identifier

HEADER_SEARCH_ROWS = 30
CSV_SUFFIXES = {".csv", ".txt"}
# Not .xlsb nor .ods: calamine reads them, but how far their sheets reach cannot be measured
# before it allocates them (see pipelines.files.bounds), and Excel saves .xlsx unless told
# otherwise.
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
SNIFF_BYTES = 1 << 16

# Labelled lines around a table: who filled it in and how to reach them, the amounts' unit,
# notes. Longest first, so 单位负责人 is not read as 负责人 nor 填报单位 as 单位.
LABELS = sorted(
    (
        "填报单位",
        "填报人",
        "审核人",
        "联系电话",
        "填报日期",
        "制表人",
        "制表日期",
        "负责人",
        "单位负责人",
        "统计负责人",
        "金额单位",
        "单位",
        "注",
        "说明",
    ),
    key=len,
    reverse=True,
)
_LABEL_ALTERNATIVES = "|".join(LABELS)
LABELLED_VALUE = re.compile(rf"(?<!\S)({_LABEL_ALTERNATIVES})\s*[:：]\s*")
# RE2 patterns for DuckDB, whose \s does not match the ideographic space U+3000 (\p{Z} does).
_SPACE = r"[\s\p{Z}]*"
FOOTER_CELL = rf"^{_SPACE}({_LABEL_ALTERNATIVES}){_SPACE}[:：]"
# A whole cell reading 合计 / 总计 (or 小计), spaced or not, maybe prefixed (全区合计) or with
# a colon after it.
TOTAL_CELL = rf"^{_SPACE}\p{{Han}}{{0,4}}{_SPACE}[合总]{_SPACE}计{_SPACE}[:：]?{_SPACE}$"
SUBTOTAL_CELL = rf"^{_SPACE}\p{{Han}}{{0,4}}{_SPACE}小{_SPACE}计{_SPACE}[:：]?{_SPACE}$"
TITLE_YEAR = re.compile(r"(\d{4})\s*年")


@dataclass
class HeaderMatch:
    """Where the header is, which source column feeds each canonical column, and what the file
    says around its table.

    `row_index` is the header's first row (0-based among the file's rows) and `header_rows` how
    many rows it spans; `headers` the header text found for each column (parent/child under a
    two-row header), whose bracketed unit the typed layer applies; `width` the columns loaded.
    `title` is the first unlabelled line above the header; `metadata` the labelled lines above
    and below the table (填报单位, 填报人, 联系电话, …); `warnings` (English, Chinese) what a clerk
    should check but does not stop the file, such as a 合计 row the detail rows do not add up to.
    """

    row_index: int
    positions: dict[str, int]
    found: list[str]
    unknown: list[str] = field(default_factory=list)
    header_rows: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    width: int = 0
    title: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def title_year(self) -> int | None:
        """The year the title names ("2024年1-3月…情况表"), for months written without one."""
        found = TITLE_YEAR.search(unicodedata.normalize("NFKC", self.title or ""))
        return int(found.group(1)) if found else None

    @property
    def table_unit(self) -> str | None:
        """The unit a "单位：万元" line gives the table's amounts."""
        return self.metadata.get("金额单位") or self.metadata.get("单位")


def is_blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def header_cells(rows: list[list[str]], index: int, depth: int) -> list[tuple[str, tuple]]:
    """Each column's header text as displayed and the names it may match, over `depth` rows.

    Under a two-row header a parent (投资额) spans children (计划, 完成): merged or left blank
    after its first column, it is carried right over the children. A column is matched by
    parent+child, child+parent or the child alone (报告期 merged down has no child).
    """
    top = rows[index]
    below = rows[index + 1] if depth == 2 else []
    width = max(len(top), len(below))
    cells, parent = [], ""
    for pos in range(width):
        child = below[pos].strip() if pos < len(below) else ""
        own = top[pos].strip() if pos < len(top) else ""
        parent = own or (parent if child else "")
        p, c = normalise_header(parent), normalise_header(child)
        if p and c and p != c:
            cells.append((f"{parent}/{child}", (p + c, c + p, c)))
        else:
            cells.append((parent or child, (p or c,)))
    return cells


def assign(cells: list[tuple[str, tuple]], contract: Contract) -> dict[str, int]:
    """Each contract column's source position: the first header cell naming it."""
    positions: dict[str, int] = {}
    for column in contract.columns:
        names = set(column.headers())
        for pos, (_, options) in enumerate(cells):
            if pos not in positions.values() and any(o and o in names for o in options):
                positions[column.name] = pos
                break
    return positions


def header_at(rows: list[list[str]], index: int, contract: Contract) -> HeaderMatch | None:
    """The header starting at row `index`, or None when it lacks a required column.

    It spans two rows only when the second row's sub-headers name more columns together with
    this row than either row does alone: a title or a 报告期 merged down adds nothing.
    """
    cells = header_cells(rows, index, 1)
    positions = assign(cells, contract)
    depth = 1
    if index + 1 < len(rows):
        two_cells = header_cells(rows, index, 2)
        two = assign(two_cells, contract)
        below = assign(header_cells(rows, index + 1, 1), contract)
        if len(two) > max(len(positions), len(below)):
            cells, positions, depth = two_cells, two, 2
    if any(c.name not in positions for c in contract.required):
        return None
    refuse_repeated_columns(cells, positions, contract)
    texts = [text for text, _ in cells]
    known = set(positions.values())
    return HeaderMatch(
        row_index=index,
        positions=positions,
        found=[t for t in texts if t],
        unknown=[t for pos, t in enumerate(texts) if t and pos not in known],
        header_rows=depth,
        headers={name: texts[pos] for name, pos in positions.items()},
        width=max(pos for pos, t in enumerate(texts) if t) + 1,
    )


def refuse_repeated_columns(
    cells: list[tuple[str, tuple]], positions: dict[str, int], contract: Contract
) -> None:
    """Reject a header where two columns name the same template column (旅游收入 twice, or
    旅游收入 beside its synonym 本月旅游收入): which one holds the figure is a guess, and taking
    the first would load the wrong one without a word."""
    for column in contract.columns:
        if column.name not in positions:
            continue
        names = set(column.headers())
        same = [p for p, (_, options) in enumerate(cells) if any(o and o in names for o in options)]
        if len(same) > 1:
            letters = [(bounds.column_letters(pos + 1), cells[pos][0]) for pos in same]
            raise FileRejected(
                f"Columns {' and '.join(f'{c} ({text})' for c, text in letters)} all name the "
                f"template column {column.header_zh}: keep only one of them and send the file "
                "again.",
                f"{'、'.join(f'第 {c} 列（{text}）' for c, text in letters)}都对应模板列"
                f"“{column.header_zh}”：请只保留其中一列后重新报送。",
            )


def template_of(rows: list[list[str]], contract: Contract) -> Contract | None:
    """Another feed whose template header the rows hold: a file dropped in the wrong feed."""
    filled = [i for i, row in enumerate(rows) if not is_blank(row)][:HEADER_SEARCH_ROWS]
    for feed in FEEDS:
        other = load_contract(feed)
        if feed == contract.feed:
            continue
        for index in filled:
            try:
                if header_at(rows, index, other):
                    return other
            except FileRejected:
                return other  # its header, with a column twice: still the other template
    return None


def match_header(rows: list[list[str]], contract: Contract) -> HeaderMatch:
    """Find the header among the first non-blank rows, or reject naming found and expected."""
    best: tuple[int, list[str]] | None = None
    filled = (i for i, row in enumerate(rows) if not is_blank(row))
    for index in islice(filled, HEADER_SEARCH_ROWS):
        match = header_at(rows, index, contract)
        if match:
            return match
        positions = assign(header_cells(rows, index, 1), contract)
        missing = [c.header_zh for c in contract.required if c.name not in positions]
        if best is None or len(missing) < len(best[1]):
            best = (index, missing)
    found = [c for c in rows[best[0]] if c.strip()] if best else []
    missing = best[1] if best else [c.header_zh for c in contract.required]
    template = [c.header_zh for c in contract.columns]
    other = template_of(rows, contract)
    if other:
        raise FileRejected(
            f"This file looks like the {other.feed} template ({other.title_zh}), not "
            f"{contract.feed} ({contract.title_zh}): its header has "
            f"{', '.join(c.header_zh for c in other.required)}. Drop it in the "
            f"{other.feed} folder of the department that sends it.",
            f"该文件看起来是“{other.title_zh}”（{other.feed}）模板，而不是“{contract.title_zh}”"
            f"（{contract.feed}）：表头包含 {'、'.join(c.header_zh for c in other.required)}。"
            f"请放入报送单位在 {other.feed} 下的文件夹。",
        )
    raise FileRejected(
        f"No header row with the required columns of feed {contract.feed}: missing "
        f"{', '.join(missing)}; found {', '.join(found) or 'no columns'}. "
        f"Use the template's headers: {', '.join(template)}, in one of the first "
        f"{HEADER_SEARCH_ROWS} filled rows.",
        f"未找到包含必填列的表头：缺少 {'、'.join(missing)}；文件中的列为 "
        f"{'、'.join(found) or '（无）'}。请使用模板表头：{'、'.join(template)}，"
        f"并放在前 {HEADER_SEARCH_ROWS} 个非空行内。",
    )


def is_utf16_text(head: bytes) -> bool:
    """Whether the bytes are UTF-16 text led by its byte-order mark: Excel's "Unicode Text"
    export. Neither mark can start UTF-8 or GBK; binary that happens to start so does not decode
    to text without control characters."""
    for mark, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(mark):
            try:
                text = codecs.getincrementaldecoder(encoding)().decode(head[2:])
            except UnicodeDecodeError:
                return False
            return not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    return False


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the bytes decode so, else GB18030 (a GBK superset)."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if is_utf16_text(head):
        raise FileRejected(
            'The file is UTF-16 text (what Excel saves as "Unicode Text"), which is not '
            'accepted. Save it from Excel as "CSV UTF-8 (Comma delimited)" or as .xlsx.',
            "该文件是 UTF-16 文本（Excel 的“Unicode 文本”格式），无法读取。请在 Excel 中另存为"
            "“CSV UTF-8（逗号分隔）”或 .xlsx。",
        )
    if head.startswith(codecs.BOM_UTF8):
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head[3:], final=len(head) < SNIFF_BYTES)
        except UnicodeDecodeError as error:
            line = head[: 3 + error.start].count(b"\n") + 1
            raise FileRejected(
                f"The file is marked as UTF-8 (it starts with a byte-order mark) but line {line} "
                "is not UTF-8 text: it was written in another encoding (probably GBK) and "
                'labelled UTF-8. Open it in Excel and save it again as "CSV UTF-8 (Comma '
                'delimited)", or as .xlsx.',
                f"文件开头标记为 UTF-8（带 BOM），但第{line}行不是 UTF-8 文本：内容以其他编码"
                "（多为 GBK）写入却被标成了 UTF-8。请用 Excel 打开后重新另存为“CSV UTF-8"
                "（逗号分隔）”或 .xlsx。",
            ) from error
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


def decoded_lines(handle: Iterator[bytes], encoding: str) -> Iterator[str]:
    """The file's lines as text, one at a time, so a bad byte is reported with its line.

    Splitting bytes on newlines is safe: no UTF-8 or GB18030 multi-byte character holds 0x0A.
    """
    name = "GBK" if encoding == "gb18030" else "UTF-8"
    for number, line in enumerate(handle, start=1):
        try:
            yield line.decode(encoding)
        except UnicodeDecodeError as error:
            raise FileRejected(
                f"Line {number} is not valid {name} text, unlike the lines before it; "
                "re-save the whole file from Excel as CSV (UTF-8 or GBK).",
                f"第{number}行不是有效的 {name} 文本（与前面各行不同）；"
                "请从 Excel 将整个文件重新另存为 CSV（UTF-8 或 GBK）。",
            ) from error


def csv_records(handle: Iterator[bytes], encoding: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on (a quoted cell may hold line breaks).

    Strict quoting: a quote left open would otherwise swallow every later line into one cell.
    """
    reader = csv.reader(decoded_lines(handle, encoding), strict=True)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise unreadable_csv(start, error) from error


def unreadable_csv(start: int, error: csv.Error) -> FileRejected:
    """What the csv module's complaint from line `start` on means for the clerk."""
    if "field larger than field limit" in str(error):
        return FileRejected(
            f"The CSV cannot be read from line {start} on: a cell there runs past "
            f"{bounds.CSV_CELL_CHARS:,} characters, far more than the 32,767 a spreadsheet cell "
            'can hold. Either a quote (") there never closes and swallows the lines after it, '
            "or the cell holds far more than one value. Correct it and send the file again.",
            f"该 CSV 文件从第{start}行起无法读取：该行有单元格超过 {bounds.CSV_CELL_CHARS:,} 个字符"
            '（电子表格单元格最多 32,767 个字符）。可能是该处引号（"）没有闭合、吞并了后面的行，'
            "或单元格内容远超一个数值。请改正后重新报送。",
        )
    if "unexpected end of data" in str(error):
        return FileRejected(
            f"The CSV cannot be read from line {start} on: the file ends inside a quoted cell "
            "that starts there. The file was probably cut off while being copied, or a quote "
            '(") there never closes. Send the whole file again, saved from Excel as CSV.',
            f"该 CSV 文件从第{start}行起无法读取：文件在该行开始的带引号单元格中途结束，"
            '可能是复制时被截断，或该处引号（"）没有闭合。请从 Excel 重新另存为 CSV 后完整报送。',
        )
    return FileRejected(
        f"The CSV cannot be read from line {start} on ({error}): a cell there opens a quote "
        '(") that never closes, or has text after its closing quote. Correct it in Excel '
        "and save the file as CSV again.",
        f'该 CSV 文件从第{start}行起无法读取（{error}）：该行有单元格的引号（"）没有闭合，'
        "或闭合引号后还有文字。请在 Excel 中改正后重新另存为 CSV。",
    )


def take_head(records: Iterator[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """The records the header is searched in: up to one past the search's last non-blank row."""
    head: list[tuple[int, list[str]]] = []
    filled = 0
    for record in records:
        head.append(record)
        filled += not is_blank(record[1])
        if filled > HEADER_SEARCH_ROWS:
            break
    return head


def write_records(
    path: Path, records: Iterator[tuple[int, list[str]]], width: int
) -> tuple[int, list[str]] | None:
    """Write records as a rectangular UTF-8 CSV led by their line; blank records are left out.

    Short rows are padded; cells past the header's width are dropped, having no column. Every
    cell is quoted: left to itself the csv module would not quote a lone \\r in a cell, which
    DuckDB takes for the end of the row. Returns the last record written, as read, for
    `refuse_cut_off`.
    """
    last = None
    with open(path, "w", encoding="utf-8", newline="") as sink:
        writer = csv.writer(sink, lineterminator="\n", quoting=csv.QUOTE_ALL)
        for line, cells in records:
            kept = cells[:width]
            if not is_blank(kept):
                writer.writerow([line, *kept, *[""] * (width - len(kept))])
                last = (line, cells)
    return last


# Separators Excel uses in other locales or exports, with their names for the clerk.
OTHER_DELIMITERS = {
    ";": ("semicolons (;)", "分号（;）"),
    "\t": ("tabs", "制表符（Tab）"),
    "|": ("vertical bars (|)", "竖线（|）"),
}


def refuse_other_delimiter(head: list[tuple[int, list[str]]], contract: Contract) -> None:
    """Reject, naming the separator, a CSV whose header appears only when split at ; or a tab:
    "missing every column" would leave the clerk staring at the right headers."""
    for delimiter, (name_en, name_zh) in OTHER_DELIMITERS.items():
        rows = [",".join(cells).split(delimiter) for _, cells in head]
        try:
            match = match_header(rows, contract)
        except FileRejected:
            continue
        line = head[match.row_index][0]
        raise FileRejected(
            f"The file is separated by {name_en}, not commas: line {line} holds the template's "
            f'headers only when split at the {name_en}. Save it from Excel as "CSV UTF-8 (Comma '
            'delimited)" or as .xlsx and send it again.',
            f"该文件以{name_zh}而不是逗号分隔：第{line}行按{name_zh}拆分后才是模板表头。"
            "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重新报送。",
        )


def refuse_cut_off(path: Path, last: tuple[int, list[str]] | None, width: int) -> None:
    """Reject a CSV that stops part-way through its last row, as a copy cut short does.

    Excel, WPS and every CSV writer end the last row with a line break, so a last row short of
    the header's columns with no line break after it is a file that did not arrive whole: its
    rows after the cut are missing, and the cut row's last figure may be a prefix of itself.
    A short footer line (填报人：…) is not a cut row.
    """
    if last is None or len(last[1]) >= width or LABELLED_VALUE.search("  ".join(last[1])):
        return
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) == b"\n":
            return
    line, cells = last
    raise FileRejected(
        f"The file seems cut off: its last line ({line}) has {len(cells)} of the header's "
        f"{width} columns and no line break after it, as when a copy stops part-way. Send the "
        "whole file again.",
        f"文件似乎不完整：最后一行（第{line}行）只有表头 {width} 列中的 {len(cells)} 列，"
        "且其后没有换行，像是复制中途中断。请重新完整报送该文件。",
    )


def materialise(
    con: duckdb.DuckDBPyConnection, target: str, source: str, params: dict, width: int
) -> None:
    """Create temp table `target` (row_number, c0..cN, row_kind) from the data rows in `source`.

    row_kind tells the rows a reader must not count: 'total' (合计, 总计), 'subtotal' (小计) and
    'footer' (a row led by a label such as 填报人：); the rest are 'data'.
    """
    names = [f"c{i}" for i in range(width)]
    cells = f"[{', '.join(names)}]"
    # Only a row with 计 (合计, 小计, 总计) or a colon (填报人：) can be a total or a footer: the
    # regexes run on those rows alone, not on every row of a national file.
    text = f"concat({', '.join(names)})"
    con.execute(
        f"create or replace temp table {quote_identifier(target)} as "
        f"select row_number, {', '.join(names)}, case "
        f"when not (contains({text}, '计') or contains({text}, ':') or contains({text}, '：')) "
        "then 'data' "
        f"when len(list_filter({cells}, lambda x: regexp_matches(x, $total))) > 0 then 'total' "
        f"when len(list_filter({cells}, lambda x: regexp_matches(x, $subtotal))) > 0 "
        "then 'subtotal' "
        f"when regexp_matches(coalesce(list_filter({cells}, lambda x: regexp_matches(x, $filled))"
        "[1], ''), $footer) then 'footer' "
        f"else 'data' end as row_kind from {source}",
        params
        | {
            "total": TOTAL_CELL,
            "subtotal": SUBTOTAL_CELL,
            "footer": FOOTER_CELL,
            "filled": r"[^\s\p{Z}]",
        },
    )


def load_csv(
    con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, target: str
) -> tuple[HeaderMatch, list[list[str]]]:
    """Load a CSV's rows below the header, as text, into temp table `target`; return the header
    match and the rows above the header.

    The head is read here to find the header. A plain file's rest is then read by DuckDB itself
    (`pipelines.files.csv_fast`); any other goes through one streaming pass that decodes it, numbers
    each record by its first line and writes a rectangular UTF-8 copy that DuckDB reads with
    explicit types: memory stays bounded however long the file, and ragged rows, blank lines
    and line breaks inside cells cannot trip it.
    """
    encoding = detect_encoding(path)
    with tempfile.TemporaryDirectory(prefix="workplan-") as workdir, open(path, "rb") as handle:
        records = csv_records(handle, encoding)
        head = take_head(records)
        try:
            match = match_header([cells for _, cells in head], contract)
        except FileRejected:
            refuse_other_delimiter(head, contract)
            raise
        above = [cells for _, cells in head[: match.row_index]]
        first = match.row_index + match.header_rows
        plain = csv_fast.plain_csv(path, encoding, head, first, match.width, Path(workdir))
        if plain:
            materialise(con, target, *plain.source(target), match.width)
            if plain.kept(con, target, match.width):
                return match, above
        normalised = Path(workdir) / "normalised.csv"
        last = write_records(normalised, chain(head[first:], records), match.width)
        refuse_cut_off(path, last, match.width)
        columns = {"row_number": "BIGINT"} | {f"c{i}": "VARCHAR" for i in range(match.width)}
        materialise(
            con,
            target,
            "read_csv($path, header = false, auto_detect = false, columns = $columns, "
            "delim = ',', quote = '\"', escape = '\"', new_line = '\\n')",
            {"path": str(normalised), "columns": columns},
            match.width,
        )
    return match, above


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


def labelled_values(rows: list[list[str]]) -> dict[str, str]:
    """Labelled values in rows such as "填报人：张三  联系电话：0451-…", in one cell or several."""
    values: dict[str, str] = {}
    for row in rows:
        text = "  ".join(cell.strip() for cell in row if cell and cell.strip())
        found = list(LABELLED_VALUE.finditer(text))
        ends = [following.start() for following in found[1:]] + [len(text)]
        for label, end in zip(found, ends, strict=False):  # no labels: nothing to pair
            values.setdefault(label.group(1), text[label.end() : end].strip())
    return values


def describe_surroundings(
    con: duckdb.DuckDBPyConnection, target: str, match: HeaderMatch, above: list[list[str]]
) -> None:
    """Set the title (the first unlabelled line above the header) and the labelled lines above
    and below the table, which are submission metadata, never data."""
    cells = ", ".join(f"c{i}" for i in range(match.width))
    footers = con.execute(
        f"select [{cells}] from {quote_identifier(target)} where row_kind = 'footer' "
        "order by row_number"
    ).fetchall()
    lines = [row for row in above if not is_blank(row)]
    match.metadata = labelled_values(lines + [row for (row,) in footers])
    titles = [row for row in lines if not LABELLED_VALUE.search("  ".join(row))]
    match.title = (
        next((cell.strip() for cell in titles[0] if cell.strip()), None) if titles else None
    )


def decimals_in(text: str) -> int:
    """How many decimals a number is written with: the precision a total can be checked to."""
    found = re.search(r"\.(\d+)", unicodedata.normalize("NFKC", text))
    return len(found.group(1)) if found else 0


def additive(column: Column) -> bool:
    """Whether a 合计 row sums the column: amounts and counts add up, rates do not."""
    return column.type in ("integer", "decimal") and column.unit not in (None, "%")


def reconcile_totals(
    con: duckdb.DuckDBPyConnection, target: str, match: HeaderMatch, contract: Contract
) -> list[tuple[str, str]]:
    """Check a 合计 row against the detail rows' sum, rounded as the total is written.

    Only a single grand total can be checked: several 合计 rows are totals of sections that no
    one sum matches. A mismatch is a warning.
    """
    columns = [c for c in contract.columns if c.name in match.positions and additive(c)]
    if not columns:
        return []
    table = quote_identifier(target)
    cells = [f"c{match.positions[c.name]}" for c in columns]
    totals = con.execute(
        f"select row_number, {', '.join(cells)}, "
        f"{', '.join(f'parse_number({c})' for c in cells)} from {table} where row_kind = 'total'"
    ).fetchall()
    if len(totals) != 1:
        return []
    sums = con.execute(
        f"select {', '.join(f'sum(parse_number({c}))' for c in cells)} from {table} "
        "where row_kind = 'data'"
    ).fetchone()
    row_number, *values = totals[0]
    written, parsed = values[: len(cells)], values[len(cells) :]
    warnings = []
    for column, text, total, detail in zip(columns, written, parsed, sums, strict=True):
        if total is None:
            continue
        added = Decimal(detail or 0).quantize(Decimal(1).scaleb(-decimals_in(text)))
        if added != total:
            header = match.headers[column.name]
            warnings.append(
                (
                    f"Row {row_number} (合计) gives {text} for {header}, but the detail rows add "
                    f"up to {added}; check the total or the rows above it.",
                    f"第{row_number}行合计的“{header}”为 {text}，但明细行相加为 {added}；"
                    "请核对合计数或明细数据。",
                )
            )
    return warnings


# Headers of a column that numbers the rows: nothing to load, nothing to warn about.
ROW_NUMBER_HEADERS = {"序号", "行号", "序", "no", "no."}


def ignored_columns(match: HeaderMatch) -> list[tuple[str, str]]:
    """A warning naming the columns the template does not know, which were not loaded: a figure
    under a header the template has no synonym for would otherwise vanish without a word."""
    ignored = [t for t in match.unknown if normalise_header(t) not in ROW_NUMBER_HEADERS]
    if not ignored:
        return []
    return [
        (
            f"Column(s) {', '.join(ignored)} are not in the template and were not loaded; if one "
            "holds a figure the template asks for, give it the template's header and send the "
            "file again.",
            f"列 {'、'.join(ignored)} 不在模板中，未导入；如其中是模板要求填报的数据，请改用模板"
            "表头后重新报送。",
        )
    ]


def load_file(
    con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, target: str
) -> HeaderMatch:
    """Read `path` into temp table `target` (row_number, c0..cN as text, row_kind).

    The returned match also carries the file's title, its labelled lines (`metadata`) and
    `warnings` from checking its 合计 row, which is read with the value parsers: `con` must hold
    them (`sql/setup/parsers.sql`, installed by `pipelines.store.ingest.prepare`).
    """
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        bounds.check_csv(path)
        match, above = load_csv(con, path, contract, target)
    elif suffix in WORKBOOK_SUFFIXES:
        bounds.check_workbook(path)
        match, above = load_workbook(con, path, contract, target)
    else:
        raise FileRejected(
            f"Files of type '{suffix or '(none)'}' are not accepted; send .xlsx, .xls or .csv.",
            f"不接受“{suffix or '无扩展名'}”类型的文件；请报送 .xlsx、.xls 或 .csv 文件。",
        )
    describe_surroundings(con, target, match, above)
    match.warnings = ignored_columns(match) + reconcile_totals(con, target, match, contract)
    return match


def canonical_select(match: HeaderMatch, contract: Contract, source: str) -> str:
    """SQL selecting the contract's columns, as trimmed text, from a loaded file's data rows.

    Blank, total (合计/小计/总计) and footer rows are dropped here, before anything counts them.
    """
    parts = ["row_number"]
    for column in contract.columns:
        pos = match.positions.get(column.name)
        expr = f"nullif(trim(c{pos}), '')" if pos is not None else "null::varchar"
        parts.append(f"{expr} as {quote_identifier(column.name)}")
    any_value = " or ".join(
        f"nullif(trim(c{pos}), '') is not null" for pos in sorted(match.positions.values())
    )
    return (
        f"select {', '.join(parts)} from {quote_identifier(source)} "
        f"where row_kind = 'data' and ({any_value})"
    )
