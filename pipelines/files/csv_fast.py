"""DuckDB's own reader for the rows below a plain CSV's header.

Reading every record with Python's csv module costs about 4 s per million rows; DuckDB reads a
CSV at about 0.8 million rows/s. `pipelines.files.reading` still reads the head in Python (title
lines, a header over one or two rows) and then hands a plain file's rest to `read_csv`: all text, as
many columns as the first data row, strict, written to a Parquet file where each row's position
numbers it (`PlainCsv.land`). DuckDB reads no
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
from pipelines.files.row_kinds import HINT, hint_test
from pipelines.store.warehouse import quote_identifier, sql_literal

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

    def land(self, con: duckdb.DuckDBPyConnection, rows_file: Path, width: int) -> Landed | None:
        """Write the data rows' `width` cells (those the header loads), all text, to `rows_file`
        (Parquet) and return what reads them back; or None, the file deleted, when DuckDB did
        not read every line below the header as one whole record.

        DuckDB reads the CSV in parallel and writes the rows in their order (insertion order is
        kept), so a row's position in the Parquet file is its record's position below the
        header. Numbering them in the read (`with ordinality`) kept it to one thread, and a
        national file held in a temp table spilled to disk past the memory limit: a 25M-row
        file's rows took 59 s to reach their raw file so, 31 s this way. Whether a row is blank
        and whether it holds a hint of a row that is not data are worked out in the same pass,
        so neither costs another scan of the rows.

        A row DuckDB cannot read goes to a rejects table instead of failing the statement: a
        failed statement would abort the caller's transaction, and the Python path must still
        be able to read the file and tell the clerk what is wrong.
        """
        errors, scans = rejects_tables(rows_file.stem)
        new_line = "new_line = '\\r', " if self.cr_only else ""
        cells = ", ".join(f"c{i}" for i in range(width))
        # A row is blank when its cells, put together, hold no filled character: one regex
        # that stops at the first one, where a test per cell cost 0.9 s per 5M rows.
        con.execute(
            f"copy (select {cells}, not regexp_matches(concat({cells}), $filled) as blank, "
            f"coalesce({hint_test(width)}, false) as hinted "
            "from read_csv($path, header = false, skip = $skip, "
            "auto_detect = false, columns = $columns, delim = ',', quote = '\"', escape = '\"', "
            f"{new_line}strict_mode = true, max_line_size = $max_line, ignore_errors = true, "
            "store_rejects = true, rejects_table = $errors, rejects_scan = $scans)) "
            f"to {sql_literal(str(rows_file))} (format parquet)",
            {
                "path": str(self.path),
                "skip": self.skip,
                "columns": {f"c{i}": "VARCHAR" for i in range(self.columns)},
                # A longer line may hold a cell past the bound, which the Python path refuses.
                "max_line": bounds.CSV_CELL_CHARS,
                "errors": errors,
                "scans": scans,
                "filled": FILLED,
                "hint": HINT,
            },
        )
        try:
            (rejected,) = con.execute(f"select count(*) from {quote_identifier(errors)}").fetchone()
        finally:
            for table in (errors, scans):
                con.execute(f"drop table if exists {quote_identifier(table)}")
        rows = sql_literal(str(rows_file))
        # A blank line DuckDB skipped would shift every row after it: the count says so.
        read, hinted = con.execute(
            f"select count(*), count(*) filter (where hinted and not blank) "
            f"from read_parquet({rows})"
        ).fetchone()
        if rejected or read != self.lines - self.skip:
            rows_file.unlink()
            return None
        relation = (
            f"(select file_row_number + {self.skip + 1} as row_number, {cells} "
            f"from read_parquet({rows}, file_row_number = true) where not blank)"
        )
        return Landed(relation, hinted)


@dataclass(frozen=True)
class Landed:
    """A plain CSV's rows as DuckDB read them: `relation` gives row_number and the cells, blank
    rows left out; `hinted` rows may be other than data (`pipelines.files.row_kinds.HINT`)."""

    relation: str
    hinted: int


def rejects_tables(name: str) -> tuple[str, str]:
    """The temp tables where DuckDB puts the rows it cannot read into `name`, and its scan."""
    return f"{name}_rejected_rows", f"{name}_rejected_scans"


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
