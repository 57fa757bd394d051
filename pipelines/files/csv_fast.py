"""DuckDB's own reader for the rows below a plain CSV's header.

Reading every record with Python's csv module costs about 4 s per million rows; DuckDB reads a
CSV at about 0.8 million rows/s. `pipelines.files.reading` still reads the head in Python (title
lines, a header over one or two rows) and then hands a plain file's rest to `read_csv`: all text, as
many columns as the first data row, strict, each row numbered by its position. DuckDB reads no
GBK, so GB18030 is re-encoded to UTF-8 first in a byte stream, never record by record.

DuckDB and the csv module read some text differently (DuckDB trims a space beside a quote, skips
blank lines and stops at a lone carriage return in a file of LF lines), and a row's position
gives its source line only when every record is one line. So a file is taken here only when
both read it alike, and checked again after DuckDB has read it; any other file (ragged rows, a
line break in a cell, bad bytes, a cut-off last line, LF and CRLF mixed) is left to the Python
path, whose messages tell the clerk what is wrong.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb

from pipelines.files import bounds
from pipelines.store.warehouse import quote_identifier

CHUNK_BYTES = 1 << 22
# A byte-order mark starting a line after the first (two files pasted together).
LINE_MARKS = (b"\n" + codecs.BOM_UTF8, b"\r" + codecs.BOM_UTF8)
# A character that Python's str.strip() keeps, as an RE2 class: a row without one in its loaded
# cells is blank, and the Python path leaves it out (`pipelines.files.headers.is_blank`).
FILLED = r"[^\t\n\x{0b}\f\r\x{1c}-\x{1f} \x{85}\p{Z}]"


@dataclass(frozen=True)
class PlainCsv:
    """A UTF-8 file whose records are one line each: `skip` lines above the data rows, each of
    `columns` cells, `lines` lines in all."""

    path: Path
    skip: int
    columns: int
    lines: int
    # Excel for Mac ends lines with a lone CR: DuckDB is told so (it finds LF and CRLF itself).
    cr_only: bool = False

    def source(self, target: str) -> tuple[str, dict]:
        """SQL reading the data rows as text, each with its line as `row_number`.

        A row DuckDB cannot read goes to a rejects table instead of failing the statement: a
        failed statement would abort the caller's transaction, and the Python path must still
        be able to read the file and tell the clerk what is wrong.
        """
        new_line = "new_line = '\\r', " if self.cr_only else ""
        sql = (
            "(select ordinality + $skip as row_number, * from read_csv($path, header = false, "
            "skip = $skip, auto_detect = false, columns = $columns, delim = ',', quote = '\"', "
            f"escape = '\"', {new_line}strict_mode = true, max_line_size = $max_line, "
            "ignore_errors = true, store_rejects = true, rejects_table = $errors, "
            "rejects_scan = $scans) with ordinality)"
        )
        errors, scans = rejects_tables(target)
        return sql, {
            "path": str(self.path),
            "skip": self.skip,
            "columns": {f"c{i}": "VARCHAR" for i in range(self.columns)},
            # A longer line may hold a cell past the bound, which the Python path refuses.
            "max_line": bounds.CSV_CELL_CHARS,
            "errors": errors,
            "scans": scans,
        }

    def kept(self, con: duckdb.DuckDBPyConnection, target: str, width: int) -> bool:
        """Whether DuckDB read every line below the header as one whole record into `target`;
        if not, `target` is dropped for the Python path to load the file again. Blank rows,
        which the Python path leaves out, are deleted."""
        errors, scans = rejects_tables(target)
        try:
            (rejected,) = con.execute(f"select count(*) from {errors}").fetchone()
        finally:
            con.execute(f"drop table if exists {errors}; drop table if exists {scans}")
        table = quote_identifier(target)
        (last,) = con.execute(f"select max(row_number) from {table}").fetchone()
        if rejected or last != self.lines:
            con.execute(f"drop table {table}")
            return False
        # A cell led by a printable ASCII character is filled: the regex runs on the others.
        blank = " and ".join(
            f"not coalesce(ascii(c{i}) between 33 and 126, false) "
            f"and not regexp_matches(coalesce(c{i}, ''), $filled)"
            for i in range(width)
        )
        con.execute(f"delete from {table} where {blank}", {"filled": FILLED})
        return True


def rejects_tables(target: str) -> tuple[str, str]:
    """The temp tables where DuckDB puts the rows of `target` it cannot read, and its scan."""
    return f"{target}_rejected_rows", f"{target}_rejected_scans"


def line_chunks(handle: BinaryIO) -> Iterator[bytes]:
    """The file in chunks that end after a line break, so that no character and no two-byte
    pattern straddles two chunks (a line longer than a chunk is cut: DuckDB refuses it anyway).
    A file of Excel for Mac has no LF: its chunks end after a CR that is not the block's last
    byte (a LF may follow that one).
    """
    carry = b""
    while block := handle.read(CHUNK_BYTES):
        block = carry + block
        cut = block.rfind(b"\n") + 1 or block.rfind(b"\r", 0, len(block) - 1) + 1 or len(block)
        carry = block[cut:]
        yield block[:cut]
    if carry:
        yield carry


def utf8_chunks(handle: BinaryIO, encoding: str, copy: Path) -> Iterator[bytes]:
    """The file's chunks as UTF-8: GB18030 is re-encoded and written to `copy` as it passes (no
    GB18030 character holds a line break's byte, so a chunk cut after one decodes alone)."""
    if encoding != "gb18030":
        yield from line_chunks(handle)
        return
    with open(copy, "wb") as sink:
        for chunk in line_chunks(handle):
            text = chunk.decode("gb18030").encode()
            sink.write(text)
            yield text


def plain_lines(chunks: Iterable[bytes], marked: bool) -> tuple[int, bool] | None:
    """How many lines the UTF-8 chunks hold and whether a lone CR ends them, or None when
    DuckDB may read them unlike the csv module: a last line without its line break (the Python
    path checks for a cut-off file), line breaks other than all \\n, all \\r\\n or all \\r (Excel
    for Mac), a space beside a quote, or, in a file `marked` UTF-8 by a byte-order mark, a line
    starting with another mark (the Python path decodes each line on its own and drops it)."""
    feeds = returns = pairs = 0
    chunk = b""
    for chunk in chunks:
        if marked and (
            any(mark in chunk for mark in LINE_MARKS)
            or ((feeds or returns) and chunk.startswith(codecs.BOM_UTF8))
        ):
            return None
        feeds += chunk.count(b"\n")
        if b"\r" in chunk:
            returns += chunk.count(b"\r")
            pairs += chunk.count(b"\r\n")
        if b'"' in chunk and (b' "' in chunk or b'" ' in chunk):
            return None
    if returns and not feeds:
        return (returns, True) if chunk.endswith(b"\r") else None
    if not chunk.endswith(b"\n") or returns not in (0, feeds) or pairs != returns:
        return None
    return feeds, False


def plain_csv(
    path: Path,
    encoding: str,
    head: list[tuple[int, list[str]]],
    first: int,
    width: int,
    workdir: Path,
) -> PlainCsv | None:
    """The file as DuckDB may read it from record `first` of `head` on, or None.

    The records above the data must be one line each (so `skip` counts them), and the first data
    row must have the `width` columns the header loads; DuckDB then expects every row as wide.
    """
    starts = [line for line, _ in head[: first + 1]]
    if first >= len(head) or starts != list(range(1, first + 2)):
        return None
    columns = len(head[first][1])
    if columns < width:
        return None
    copy = workdir / "utf8.csv"
    try:
        with open(path, "rb") as handle:
            lines = plain_lines(utf8_chunks(handle, encoding, copy), encoding == "utf-8-sig")
    except UnicodeDecodeError:
        return None
    if lines is None:
        return None
    count, cr_only = lines
    return PlainCsv(copy if encoding == "gb18030" else path, first, columns, count, cr_only)
