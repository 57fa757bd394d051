"""Limits on the work a department file may ask of the reader, checked before it is parsed.

A file's size on disk says little about what reading it costs. An .xlsx is a zip of XML: a few
hundred kilobytes can inflate to gigabytes (a zip bomb). Worse, calamine builds each sheet as one
dense rectangle from A1 to the last filled cell, so two cells at A1 and XFD1048576 (a 5 KB file)
ask for 17 billion cells; the allocation fails inside Rust, which aborts the whole process where
Python cannot catch it, and every later run that retries the file dies the same way. An .xls
reaches only 65,536 x 256 cells, but that is still 1.4 GB and seconds of work from 6 KB. So the
reader measures first, from the container's own structure, and refuses with a message the clerk
can act on:

- every kind: its size on disk (`MAX_CSV_BYTES`, `MAX_WORKBOOK_BYTES`); an empty file;
- .xlsx/.xlsm: the zip's central directory (members, declared sizes), then every member inflated
  once here with a cap, counting the bytes it really yields (a central directory may lie), while
  each sheet's XML is scanned for the furthest cell holding a value;
- .xls: the compound file's Workbook stream, whose cell records give each sheet's extent;
- sheets per workbook (`MAX_SHEETS`), cells per sheet (`MAX_SHEET_CELLS`);
- a CSV line's bytes (`CSV_LINE_BYTES`) and cells (`CSV_CELLS_PER_ROW`), while it streams.

CSV is streamed in one pass with bounded memory, so it needs no row limit; its cells are bounded
by the csv module's field limit (`CSV_CELL_CHARS`, see
`pipelines.files.csv_reader.csv_records`), and
DuckDB's fast path reads no line longer than that (`pipelines.files.csv_fast`), leaving it to
the csv module.
Formats whose sheets cannot be measured before calamine allocates them (.xlsb, .ods) are not
accepted at all (`pipelines.files.reading.WORKBOOK_SUFFIXES`).

External XML entities need no check here: calamine's XML reader (quick-xml) resolves no DTD, so
`<!ENTITY x SYSTEM "file:///...">` is an unknown entity and the workbook is refused unread
(tests/test_bad_inputs.py proves it).
"""

from __future__ import annotations

import copy
import csv
import html
import posixpath
import re
import struct
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from pipelines.files.rejection import FileRejected

MiB = 1 << 20
# A national-scale registrations CSV of 25 million rows is about 3.3 GB (see bench/); the reader
# streams it, and this bound only keeps the archive, UTF-8 or normalised copy and raw table off a
# full disk.
MAX_CSV_BYTES = 8 << 30
# A department's monthly workbook is kilobytes; a year of a district's registrations a few MB.
MAX_WORKBOOK_BYTES = 50 * MiB
# Everything inside a workbook once unpacked: 2,000,000 cells of sheet XML fit in about 80 MB.
MAX_WORKBOOK_INFLATED_BYTES = 128 * MiB
MAX_ZIP_MEMBERS = 10_000
# A year of monthly sheets plus notes is under 20; beyond this the sender meant something else.
MAX_SHEETS = 50
# Rows x columns from A1 to the furthest cell with a value: 100,000 rows of 20 columns. The
# reader holds a sheet in memory as Python text (about 100 bytes a cell), so this caps it near
# 200 MB; larger tables belong in CSV, which is streamed.
MAX_SHEET_CELLS = 2_000_000
# The csv module refuses a cell longer than its field limit (131,072 characters by default, left
# unchanged); a spreadsheet cell holds at most 32,767, so nothing a clerk typed is near it.
CSV_CELL_CHARS = csv.field_size_limit()
# A CSV line is measured while it streams, before it is split into cells: one line of millions of
# short cells ("ab,ab,…") would otherwise cost gigabytes as Python strings and minutes of header
# matching. A clerk's row of 30 columns is a few kilobytes; Excel allows 16,384 columns.
CSV_LINE_BYTES = 1 << 20
CSV_CELLS_PER_ROW = 16_384

ZIP_WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
CFB_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
CHUNK = MiB


def check_size(path: Path, limit: int) -> None:
    """Refuse an empty file, or one larger than `limit` bytes."""
    size = path.stat().st_size
    if size == 0:
        raise FileRejected(
            "The file is empty (0 bytes): it was not saved, or not copied completely. Save it "
            "again and send it again.",
            "文件为空（0 字节）：可能未保存或未完整复制。请重新保存后再次报送。",
        )
    if size > limit:
        suffix = path.suffix.lower()
        raise FileRejected(
            f"The file is {size / MiB:,.0f} MB, more than the {limit / MiB:,.0f} MB a "
            f"{suffix} file may be. Split it (by month or department), or send a large "
            "register as CSV.",
            f"文件大小为 {size / MiB:,.0f} MB，超过 {suffix} 文件允许的 {limit / MiB:,.0f} MB。"
            "请按月份或部门拆分，大批量数据请用 CSV 报送。",
        )


def check_csv(path: Path) -> None:
    """A CSV is streamed: only its size on disk is bounded here (its cells by the csv module)."""
    check_size(path, MAX_CSV_BYTES)


def check_workbook(path: Path) -> None:
    """Refuse a workbook whose size or structure would make calamine's work unbounded.

    What the bytes are decides the check, not the name: an encrypted .xlsx is an OLE compound
    file, and an .xlsx that is no zip at all is refused here with words a clerk understands.
    """
    check_size(path, MAX_WORKBOOK_BYTES)
    suffix = path.suffix.lower()
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head == CFB_MAGIC:
        check_compound_workbook(path, suffix)
    elif suffix in ZIP_WORKBOOK_SUFFIXES:
        check_zip_workbook(path, suffix)


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------


def not_a_workbook(suffix: str, detail: str, detail_zh: str) -> FileRejected:
    """A file named as a workbook whose bytes are not one (renamed, damaged, cut off)."""
    return FileRejected(
        f"The workbook cannot be opened: the file is named {suffix} but its content is not an "
        f"Excel workbook ({detail}). It may be damaged, cut off while being copied, or another "
        "kind of file renamed. Open it in Excel, save it as .xlsx and send it again.",
        f"无法打开该工作簿：文件扩展名为 {suffix}，但内容不是 Excel 工作簿（{detail_zh}），"
        "可能已损坏、复制不完整或由其他文件改名而来。请用 Excel 打开后另存为 .xlsx 再报送。",
    )


def damaged(suffix: str, error: Exception) -> FileRejected:
    """A workbook container that breaks while being measured; the detail is for the data office."""
    return not_a_workbook(suffix, f"damaged: {error}", f"文件已损坏：{error}")


def password_protected() -> FileRejected:
    return FileRejected(
        "The workbook is protected by a password (encrypted), so it cannot be read. Remove the "
        "password (File > Info > Protect Workbook > Encrypt with Password, clear it), save, and "
        "send it again.",
        "该工作簿设置了打开密码（已加密），无法读取。请取消密码（文件 > 信息 > 保护工作簿 > "
        "用密码进行加密，清空密码）后保存，再重新报送。",
    )


def too_much_inside(declared: int | None) -> FileRejected:
    """A workbook that unpacks to more than the bound: a zip bomb, or a table for CSV.

    `declared` is what its zip directory adds up to; None when the directory understated it and
    inflating it ran past the bound.
    """
    limit = f"{MAX_WORKBOOK_INFLATED_BYTES / MiB:,.0f} MB"
    if declared is None:
        found_en = f"more than the {limit} a workbook may hold (more than its zip directory says)"
        found_zh = f"超过允许的 {limit}（多于其压缩目录所声明的大小）"
    else:
        found_en = f"{declared / MiB:,.0f} MB, more than the {limit} a workbook may hold"
        found_zh = f"为 {declared / MiB:,.0f} MB，超过允许的 {limit}"
    return FileRejected(
        f"The workbook unpacks to {found_en}, so it was not opened. Delete unused sheets, "
        "pictures and formatted empty rows, or send the table as CSV.",
        f"该工作簿解压后{found_zh}，未予打开。请删除无用的工作表、图片和设置了格式的空行，"
        "或改用 CSV 报送。",
    )


def too_many_sheets(count: int) -> FileRejected:
    return FileRejected(
        f"The workbook has {count} sheets; at most {MAX_SHEETS} are read. Send this feed's sheet "
        "on its own: delete the other sheets, or copy the sheet into a new workbook.",
        f"该工作簿有 {count} 个工作表，最多读取 {MAX_SHEETS} 个。请单独报送本表：删除其他工作表，"
        "或将本表复制到新工作簿。",
    )


def column_letters(number: int) -> str:
    """Excel's name for the 1-based column `number`: 1 is A, 27 is AA, 16384 is XFD."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def sheet_too_large(sheet: str, rows: int, columns: int) -> FileRejected:
    corner = f"{column_letters(columns)}{rows}"
    return FileRejected(
        f"Sheet '{sheet}' reaches cell {corner} ({rows:,} rows x {columns:,} columns), more than "
        f"the {MAX_SHEET_CELLS:,} cells a sheet may span. Delete the rows and columns below and "
        "to the right of the table (a value typed far away stretches the sheet), or send the "
        "table as CSV.",
        f"工作表“{sheet}”的数据延伸到单元格 {corner}（{rows:,} 行 × {columns:,} 列），"
        f"超过单个工作表允许的 {MAX_SHEET_CELLS:,} 个单元格。请删除表格下方和右侧的多余行列"
        "（远处误填的一个值也会撑大工作表），或改用 CSV 报送。",
    )


def check_extents(extents: Iterable[tuple[str, int, int]]) -> None:
    """Refuse the first sheet whose rectangle from A1 to its furthest value is too large."""
    for sheet, rows, columns in extents:
        if rows * columns > MAX_SHEET_CELLS:
            raise sheet_too_large(sheet, rows, columns)


# ---------------------------------------------------------------------------------------------
# .xlsx / .xlsm: a zip of XML
# ---------------------------------------------------------------------------------------------

# Start tags of rows, cells and cell values (<v>, inline <is>), and the cell's end tag, with or
# without a namespace prefix: group 1 "/" on an end tag, 2 the name, 3 the attributes.
_SHEET_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c|v|is)(?=[\s/>])([^>]*)>")
_ROW_NUMBER = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")
_CELL_REFERENCE = re.compile(rb"""\br\s*=\s*["']\$?([A-Za-z]+)\$?(\d+)["']""")
_WORKBOOK_SHEET = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\b([^>]*)>")
_RELATIONSHIP = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\b([^>]*)>")
_LONGEST_TAG = 64 * 1024


def attribute(attributes: bytes, name: str) -> str | None:
    """One XML attribute's unescaped value (`name` may match with any namespace prefix)."""
    found = re.search(rb"(?:^|\s)(?:[\w.-]+:)?" + name.encode() + rb"""\s*=\s*(["'])(.*?)\1""",
                      attributes, re.S)  # fmt: skip
    return html.unescape(found.group(2).decode("utf-8", "replace")) if found else None


def sheet_parts(archive: zipfile.ZipFile) -> tuple[int, dict[str, str]]:
    """How many sheets the workbook lists, and each worksheet part with its sheet's name.

    Parts are found as calamine finds them (workbook.xml's sheets through its relationships),
    plus any xl/worksheets/*.xml, so a sheet hidden from the listing is still measured.
    """
    members = set(archive.namelist())

    def read(name: str) -> bytes:
        return archive.read(name) if name in members else b""

    targets = {}
    for match in _RELATIONSHIP.finditer(read("xl/_rels/workbook.xml.rels")):
        key, target = attribute(match.group(1), "Id"), attribute(match.group(1), "Target")
        if key and target:
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[key] = posixpath.normpath(part)
    listed = [m.group(1) for m in _WORKBOOK_SHEET.finditer(read("xl/workbook.xml"))]
    parts = {
        name: name
        for name in members
        if re.fullmatch(r"xl/worksheets/[^/]+\.xml", name, flags=re.IGNORECASE)
    }
    for attributes in listed:
        part = targets.get(attribute(attributes, "id") or "")
        if part in members:
            parts[part] = attribute(attributes, "name") or part
    return len(listed), parts


def sheet_extent(chunks: Iterable[bytes]) -> tuple[int, int]:
    """Rows and columns from A1 to the furthest cell holding a value in a sheet's XML.

    Streams the XML: a row without r= follows the previous row, a cell without r= the previous
    cell, as calamine reads them. Only a cell with a value (<v> or an inline <is>) counts:
    calamine leaves formatted empty cells (<c r="Z9" s="1"/>) out of the sheet, so a template
    formatted down to row 1,048,576 is not stretched here either.
    """
    rows = columns = row = column = 0
    cell: tuple[int, int] | None = None  # the open <c> whose value has not been seen yet
    tail = b""
    for chunk in chunks:
        buffer = tail + chunk
        cut = buffer.rfind(b"<")
        if cut == -1 or buffer.find(b">", cut) != -1:
            scanned, tail = buffer, b""
        else:  # the last tag continues in the next chunk
            scanned, tail = buffer[:cut], buffer[cut:]
            if len(tail) > _LONGEST_TAG:
                raise ValueError("an XML tag longer than 64 KB")
        for closing, name, attributes in _SHEET_TAG.findall(scanned):
            if closing:
                cell = None if name == b"c" else cell
            elif name == b"row":
                number = _ROW_NUMBER.search(attributes)
                row, column = (int(number.group(1)) if number else row + 1), 0
            elif name == b"c":
                reference = _CELL_REFERENCE.search(attributes)
                if reference:
                    letters, row = reference.group(1).upper(), int(reference.group(2))
                    column = sum((ch - 64) * 26**i for i, ch in enumerate(reversed(letters)))
                else:
                    column += 1
                cell = None if attributes.rstrip().endswith(b"/") else (row, column)
            elif cell:  # the open cell's value
                rows, columns = max(rows, cell[0]), max(columns, cell[1])
                cell = None
    return rows, columns


def read_chunks(member: IO[bytes], budget: list[int]) -> Iterable[bytes]:
    """A member's inflated bytes in chunks, charging each to the workbook's remaining budget."""
    while chunk := member.read(CHUNK):
        budget[0] -= len(chunk)
        if budget[0] < 0:
            raise _Overflow
        yield chunk


class _Overflow(Exception):
    """The workbook inflated past its budget."""


def zip_member_count(path: Path) -> int | None:
    """The member count in the zip's end record, read before zipfile loads every entry."""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 22 - 65_535))
        tail = handle.read()
    end = tail.rfind(b"PK\x05\x06")
    if end == -1 or end + 22 > len(tail):
        return None
    (count,) = struct.unpack_from("<H", tail, end + 10)
    return count


def check_zip_workbook(path: Path, suffix: str) -> None:
    """Bound an .xlsx: members, declared and real inflated size, sheets and their extents."""
    count = zip_member_count(path)
    if count is None:
        raise not_a_workbook(suffix, "not a zip archive", "不是压缩包格式")
    if count > MAX_ZIP_MEMBERS:
        raise not_a_workbook(
            suffix, f"a zip archive of {count:,} parts", f"含 {count:,} 个部件的压缩包"
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise damaged(suffix, error) from error
    with archive:
        infos = archive.infolist()
        declared = sum(info.file_size for info in infos)
        if declared > MAX_WORKBOOK_INFLATED_BYTES:
            raise too_much_inside(declared)
        if any(info.flag_bits & 0x1 for info in infos):
            raise password_protected()
        listed, parts = sheet_parts(archive)
        if max(listed, len(parts)) > MAX_SHEETS:
            raise too_many_sheets(max(listed, len(parts)))
        budget = [MAX_WORKBOOK_INFLATED_BYTES]
        extents = []
        try:
            for info in infos:
                # Inflate as far as the data really goes, whatever size the directory claims:
                # the cap is the budget left, and the CRC is calamine's to check.
                measured = copy.copy(info)
                measured.file_size, measured.CRC = budget[0] + 1, None
                with archive.open(measured) as member:
                    chunks = read_chunks(member, budget)
                    if info.filename in parts:
                        extents.append((parts[info.filename], *sheet_extent(chunks)))
                    else:
                        for _ in chunks:
                            pass
        except _Overflow:
            raise too_much_inside(None) from None
        except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError) as error:
            raise damaged(suffix, error) from error
    check_extents(extents)


# ---------------------------------------------------------------------------------------------
# .xls (and encrypted .xlsx): an OLE compound file
# ---------------------------------------------------------------------------------------------

_LAST_SECTOR = 0xFFFFFFFA  # higher ids mark free sectors, chain ends and FAT/DIFAT sectors


def _words(data: bytes) -> tuple[int, ...]:
    return struct.unpack(f"<{len(data) // 4}I", data[: len(data) // 4 * 4])


class CompoundFile:
    """Just enough of [MS-CFB] to list a compound file's streams and read one.

    Every chain is bounded by its table's length, so a looping chain is damage, not a hang.
    """

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(CFB_MAGIC):
            raise ValueError("not a compound file")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("unknown sector size")
        self.sector_size, self.mini_size = 1 << shift, 1 << mini_shift
        fat_count, directory, _, self.cutoff, minifat, _, difat, difat_count = struct.unpack_from(
            "<8I", data, 44
        )
        fat_sectors = list(_words(data[76:512]))
        for _ in range(min(difat_count, len(data) // self.sector_size)):
            if difat > _LAST_SECTOR:
                break
            block = _words(self.sector(difat))
            fat_sectors, difat = fat_sectors + list(block[:-1]), block[-1]
        self.fat = _words(
            b"".join(self.sector(s) for s in fat_sectors[:fat_count] if s <= _LAST_SECTOR)
        )
        table = self.chain(directory, self.fat, self.sector)
        self.entries: list[tuple[str, int, int, int]] = []
        for offset in range(0, len(table) - 127, 128):
            entry = table[offset : offset + 128]
            length, kind = struct.unpack_from("<HB", entry, 64)
            start, size = struct.unpack_from("<IQ", entry, 116)
            if kind in (1, 2, 5) and 2 <= length <= 64:
                name = entry[: length - 2].decode("utf-16-le", "replace")
                self.entries.append((name, kind, start, size & (0xFFFFFFFF if shift == 9 else -1)))
        self.minifat_start = minifat

    def sector(self, number: int) -> bytes:
        start = (number + 1) * self.sector_size
        if start >= len(self.data):
            raise ValueError(f"sector {number} lies outside the file")
        return self.data[start : start + self.sector_size]

    @staticmethod
    def chain(start: int, table: tuple[int, ...], read: Callable[[int], bytes]) -> bytes:
        parts, number = [], start
        for _ in range(len(table) + 1):
            if number > _LAST_SECTOR:
                return b"".join(parts)
            if number >= len(table):
                raise ValueError(f"sector {number} is outside the allocation table")
            parts.append(read(number))
            number = table[number]
        raise ValueError("a sector chain loops")

    def mini_stream(self, start: int) -> bytes:
        """A small stream's chain, read in 64-byte sectors of the root entry's mini stream."""
        root = next(entry for entry in self.entries if entry[1] == 5)
        mini = self.chain(root[2], self.fat, self.sector)
        minifat = _words(self.chain(self.minifat_start, self.fat, self.sector))
        size = self.mini_size
        return self.chain(start, minifat, lambda n: mini[n * size : (n + 1) * size])

    def names(self) -> set[str]:
        return {name for name, *_ in self.entries}

    def stream(self, wanted: str) -> bytes | None:
        """A stream's bytes by name (case-insensitive), from the mini stream if it is small."""
        for name, kind, start, size in self.entries:
            if kind != 2 or name.lower() != wanted.lower():
                continue
            if size >= self.cutoff:
                return self.chain(start, self.fat, self.sector)[:size]
            return self.mini_stream(start)[:size]
        return None


# BIFF8 record types: substream start/end, sheet listing, and the records that hold a value.
BIFF_BOF, BIFF_EOF, BIFF_BOUNDSHEET, BIFF_MULRK = 0x0809, 0x000A, 0x0085, 0x00BD
BIFF_WORKSHEET = 0x0010
BIFF_VALUES = {0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E, BIFF_MULRK}


def biff_sheets(stream: bytes) -> tuple[list[str], list[tuple[str, int, int]]]:
    """The sheets a BIFF8 Workbook stream lists, and each worksheet's rows x columns from A1 to
    its furthest value (blank, formatted-only cells are left out, as calamine leaves them)."""
    names: list[str] = []
    extents: list[list] = []
    open_streams: list[list | None] = []
    position = 0
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        body, position = position + 4, position + 4 + length
        if kind == BIFF_BOF:
            worksheet = length >= 4 and struct.unpack_from("<H", stream, body + 2)[0]
            extent = None
            if worksheet == BIFF_WORKSHEET:
                name = names[len(extents)] if len(extents) < len(names) else str(len(extents) + 1)
                extent = [name, 0, 0]
                extents.append(extent)
            open_streams.append(extent)
        elif kind == BIFF_EOF and open_streams:
            open_streams.pop()
        elif kind == BIFF_BOUNDSHEET and length >= 8:
            count, flags = stream[body + 6], stream[body + 7]
            text = stream[body + 8 : body + 8 + count * (2 if flags & 1 else 1)]
            names.append(text.decode("utf-16-le" if flags & 1 else "latin-1", "replace"))
        elif kind in BIFF_VALUES and length >= 4 and open_streams and open_streams[-1]:
            row, column = struct.unpack_from("<HH", stream, body)
            if kind == BIFF_MULRK and length >= 6:
                (column,) = struct.unpack_from("<H", stream, body + length - 2)
            extent = open_streams[-1]
            extent[1], extent[2] = max(extent[1], row + 1), max(extent[2], column + 1)
    return names, [tuple(e) for e in extents]


def check_compound_workbook(path: Path, suffix: str) -> None:
    """Bound an OLE workbook: an encrypted .xlsx is refused for its password, an .xls measured."""
    try:
        compound = CompoundFile(path.read_bytes())
        names = compound.names()
        if "EncryptionInfo" in names or "EncryptedPackage" in names:
            raise password_protected()
        if suffix != ".xls":
            raise FileRejected(
                f"The file is named {suffix} but is an old-format (Excel 97-2003) workbook. Save "
                "it in Excel as .xlsx (Excel Workbook) and send it again.",
                f"文件扩展名为 {suffix}，实际却是旧版（Excel 97-2003）工作簿。请在 Excel 中另存为"
                " .xlsx（Excel 工作簿）后重新报送。",
            )
        stream = compound.stream("Workbook") or compound.stream("Book")
    except (ValueError, struct.error, StopIteration) as error:
        raise damaged(suffix, error) from error
    if stream is None:
        raise not_a_workbook(suffix, "an Office file with no workbook inside", "文件中没有工作簿")
    sheets, extents = biff_sheets(stream)
    if len(sheets) > MAX_SHEETS:
        raise too_many_sheets(len(sheets))
    check_extents(extents)
