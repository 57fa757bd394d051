"""Read a CSV department file: its encoding, its records with their line numbers, its head.

The head is read here to find the header; a plain file's rest is then read by DuckDB itself
(`pipelines.files.csv_fast`), any other is decoded and normalised in one streaming pass
(DuckDB reads neither GBK nor ragged rows) into a UTF-8 file with the source line of every
record, which DuckDB loads as text.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import tempfile
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import BinaryIO

import duckdb

from pipelines.files import bounds, csv_fast
from pipelines.files.contracts import Contract
from pipelines.files.headers import (
    HEADER_SEARCH_ROWS,
    LABELLED_VALUE,
    HeaderMatch,
    is_blank,
    match_header,
)
from pipelines.files.rejection import FileRejected
from pipelines.files.row_kinds import materialise, view_rows, writable

SNIFF_BYTES = 1 << 16


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
            line = len(re.findall(rb"\r\n|\r|\n", head[: 3 + error.start])) + 1
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


def raw_lines(handle: BinaryIO) -> Iterator[bytes]:
    """The file's lines as bytes, each with its line break, whichever break Excel wrote.

    Excel for Windows ends lines with CRLF, Excel for Mac's "CSV (Macintosh)" with a lone CR,
    other exports with LF, and a file pasted together from two may mix them: every one ends a
    line here, as Excel reads them. A lone CR inside a quoted cell ends a line too, and the csv
    module joins the lines back into the cell with the CR kept, as it does for a LF.
    Splitting bytes is safe: no UTF-8 or GB18030 multi-byte character holds 0x0A or 0x0D. A CR
    ending a chunk is held back, its LF may start the next.
    """
    pending: list[bytes] = []
    number = 0  # lines yielded so far
    while block := handle.read(csv_fast.CHUNK_BYTES):
        if pending and pending[-1].endswith(b"\r"):
            if block.startswith(b"\n"):
                pending.append(b"\n")
                block = block[1:]
            yield b"".join(pending)
            number += 1
            pending = []
        lines = block.splitlines(keepends=True)
        if not lines:
            continue
        if len(lines) == 1 and not lines[0].endswith((b"\n", b"\r")):
            pending.append(block)  # a line longer than a chunk: kept in pieces, joined once
            if sum(map(len, pending)) > bounds.CSV_LINE_BYTES:
                raise line_too_long(number + 1)
            continue
        if pending:
            lines[0] = b"".join([*pending, lines[0]])
            pending = []
        if not lines[-1].endswith(b"\n"):
            pending.append(lines.pop())
        for line in lines:
            number += 1
            if len(line) > bounds.CSV_LINE_BYTES:
                raise line_too_long(number)
            yield line
    if pending:
        if sum(map(len, pending)) > bounds.CSV_LINE_BYTES:
            raise line_too_long(number + 1)
        yield b"".join(pending)


def line_too_long(number: int) -> FileRejected:
    """A line longer than any table row: refused before it is split into cells."""
    limit = bounds.CSV_LINE_BYTES // 1024
    return FileRejected(
        f"Line {number} is longer than {limit:,} KB, far longer than a row of a table: the file "
        "is damaged, or it is not a table of this feed. Save it from Excel as CSV or .xlsx "
        "from the department template and send it again.",
        f"第{number}行超过 {limit:,} KB，远超表格一行的长度：文件可能已损坏，或不是本报表的表格。"
        "请按部门模板从 Excel 另存为 CSV 或 .xlsx 后重新报送。",
    )


def decoded_lines(handle: Iterator[bytes], encoding: str) -> Iterator[str]:
    """The file's lines as text, one at a time, so a bad byte is reported with its line."""
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
            if len(cells) > bounds.CSV_CELLS_PER_ROW:
                raise FileRejected(
                    f"Line {start} has {len(cells):,} cells, more than the "
                    f"{bounds.CSV_CELLS_PER_ROW:,} columns Excel allows: it is not a row of a "
                    "table. Save the file from Excel as CSV or .xlsx and send it again.",
                    f"第{start}行有 {len(cells):,} 个单元格，超过 Excel 允许的 "
                    f"{bounds.CSV_CELLS_PER_ROW:,} 列，不是表格的一行。请从 Excel 另存为 CSV 或 "
                    ".xlsx 后重新报送。",
                )
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
        if handle.read(1) in (b"\n", b"\r"):  # a CR ends the lines of Excel for Mac
            return
    line, cells = last
    raise FileRejected(
        f"The file seems cut off: its last line ({line}) has {len(cells)} of the header's "
        f"{width} columns and no line break after it, as when a copy stops part-way. Send the "
        "whole file again.",
        f"文件似乎不完整：最后一行（第{line}行）只有表头 {width} 列中的 {len(cells)} 列，"
        "且其后没有换行，像是复制中途中断。请重新完整报送该文件。",
    )


def load_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    contract: Contract,
    target: str,
    rows_folder: Path | None = None,
) -> tuple[HeaderMatch, list[list[str]]]:
    """Load a CSV's rows below the header, as text, into `target`; return the header match and
    the rows above the header.

    The head is read here to find the header. A plain file's rest is then read by DuckDB itself
    (`pipelines.files.csv_fast`) into a Parquet file in `rows_folder`, which the caller keeps
    while it reads `target`: `target` is then a view over it unless some row is to be marked
    (`pipelines.files.row_kinds.view_rows`); without a folder, a temp table. Any other file goes
    through one streaming pass that decodes it, numbers each record by its first line and writes
    a rectangular UTF-8 copy that DuckDB reads with explicit types into a temp table: memory
    stays bounded however long the file, and ragged rows, blank lines and line breaks inside
    cells cannot trip it. The re-encoded and rectangular copies are written in `rows_folder` too
    when there is one (the warehouse's scratch, `pipelines.store.scratch`).
    """
    encoding = detect_encoding(path)
    with (
        tempfile.TemporaryDirectory(prefix="workplan-", dir=rows_folder) as workdir,
        open(path, "rb") as handle,
    ):
        records = csv_records(raw_lines(handle), encoding)
        head = take_head(records)
        try:
            match = match_header([cells for _, cells in head], contract)
        except FileRejected:
            refuse_other_delimiter(head, contract)
            raise
        above = [cells for _, cells in head[: match.row_index]]
        first = match.row_index + match.header_rows
        plain = csv_fast.plain_csv(path, encoding, head, first, match.width, Path(workdir))
        rows_file = Path(rows_folder or workdir) / f"{target}.parquet"
        if plain and (landed := plain.land(con, rows_file, match.width)):
            view_rows(con, target, landed.relation, match.width, landed.hinted)
            if rows_folder is None:
                writable(con, target)
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
