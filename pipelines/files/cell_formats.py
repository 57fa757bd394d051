"""What a workbook's cells show that their values do not: percent formats, error values and
formulas nobody calculated.

calamine (`python_calamine`) gives each cell's value and turns date-formatted numbers into dates
itself, but a cell formatted 0.0% holding 0.063 arrives as 0.063 (the clerk saw 6.3%), an error
cell (#DIV/0!, #REF!, #N/A, …) arrives empty, and a formula whose result was never calculated
arrives empty (openpyxl writes <v></v>) or as 0 (xlsxwriter writes <v>0</v> and asks Excel to
recalculate on opening with fullCalcOnLoad). Each would load as a wrong or missing figure with
no word. openpyxl's read-only mode gives number formats, but it read the 100k-row benchmark
workbook (bench/reading.py) in 12 s where calamine takes 1 s, so this module reads what is
missing straight from the .xlsx (0.7 s there): the number formats in xl/styles.xml, then
searches of each sheet's XML that stop only at cells with a percent style, an error or a
formula. Each such cell gets the text
the clerk sees, which replaces calamine's value:

- a percent cell: its value in percentage points with the sign, "6.3%" (the parsers read "6.3%"
  as 6.3, the unit of the contracts' rate columns; a percent cell in an amount column keeps its
  sign too, so it is never silently scaled by 100 either way);
- an error cell: the error as Excel shows it, "#DIV/0!" (the suites quarantine the row naming it);
- a formula with no calculated result: a mark and the formula as typed, "公式未计算：=SUM(B2:B4)"
  (the suites quarantine the row: open it in Excel, save, send again).

An .xls (BIFF8) is read from its records the same way (`xls_overrides`): FORMAT and XF records
give the percent styles, NUMBER/RK/MULRK cells with one of them become percentages, error cells
(BOOLERR, FORMULA with an error result) their error text.
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pipelines.files import bounds

# What a formula nobody calculated is read as: this mark, then the formula as typed
# ("公式未计算：=SUM(B2:B4)"), or the mark alone where the formula is not written out (a cell
# sharing another's). The suites' rule looks for the mark: a text cell typed "=…" is text.
UNCALCULATED = "公式未计算："

# Built-in number formats that are percentages (ECMA-376 18.8.30): 0% and 0.00%.
BUILTIN_PERCENT = {9, 10}
# A cell's coordinates and the text it shows.
Overrides = dict[tuple[int, int], str]


def is_percent_format(code: str) -> bool:
    """Whether a number format shows its value times 100 with a % sign: a % outside quotes,
    brackets ([Red], [$-804]) and backslash escapes, in the format's first section."""
    section = code.split(";")[0]
    bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", section)
    return "%" in bare


def percent_styles(styles: bytes) -> set[int]:
    """The cell style indexes (a cell's s="…") whose number format is a percentage."""
    custom = {}
    for found in re.finditer(rb"<(?:\w+:)?numFmt\b([^>]*)>", styles):
        number = bounds.attribute(found.group(1), "numFmtId")
        code = bounds.attribute(found.group(1), "formatCode")
        if number and number.isdigit() and code is not None:
            custom[int(number)] = code
    cell_xfs = re.search(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", styles, re.S)
    found = set()
    if not cell_xfs:
        return found
    for index, xf in enumerate(re.finditer(rb"<(?:\w+:)?xf\b([^>]*)>", cell_xfs.group(0))):
        number = re.search(rb"""numFmtId\s*=\s*["'](\d+)["']""", xf.group(1))
        fmt = int(number.group(1)) if number else 0
        if fmt in BUILTIN_PERCENT or (fmt in custom and is_percent_format(custom[fmt])):
            found.add(index)
    return found


def number_text(text: str) -> str:
    """A stored number as Excel shows it under General: 15 significant digits, no exponent
    below 10^15, no trailing zeros (0.30000000000000004 is 0.3)."""
    value = Decimal(format(float(text), ".15g"))
    shown = format(value.normalize(), "f")
    return "0" if shown in ("-0", "0") else shown


@lru_cache(maxsize=4096)  # rates repeat: a column of growth rates holds few distinct values
def percent_text(text: str) -> str:
    """A stored fraction (0.063) as the percentage a percent format shows: "6.3%"."""
    # Up to 15 significant digits are written as Excel keeps them; longer ones (0.0630000001
    # from a formula) are rounded to Excel's 15 first.
    plain = len(text) <= 15 and "e" not in text.lower()
    value = (Decimal(text) if plain else Decimal(format(float(text), ".15g"))).scaleb(2)
    shown = format(value.normalize(), "f")
    return f"{'0' if shown in ('-0', '0') else shown}%"


def column_index(letters: bytes) -> int:
    """0-based column of Excel letters (A is 0)."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number - 1


# A cell element, with or without a namespace prefix: attributes, then its body (none when the
# element closes itself). Only cells worth a look are visited: see `cell_starts`.
_ATTR_R = re.compile(rb"""\br\s*=\s*["']\$?([A-Za-z]+)\$?(\d+)["']""")
_ATTR_S = re.compile(rb"""\bs\s*=\s*["'](\d+)["']""")
_ATTR_T = re.compile(rb"""\bt\s*=\s*["'](\w+)["']""")
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_ANY_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")


def shown(attributes: bytes, body: bytes, percent: set[int], recalculated: bool) -> str | None:
    """The text a cell shows where calamine's value differs from it, else None."""
    kind = _ATTR_T.search(attributes)
    kind = kind.group(1) if kind else b"n"
    element = _VALUE.search(body)
    value = element.group(1) if element else None
    formula = _FORMULA.search(body)
    # Nothing cached: no <v> at all, or an empty one on a cell not typed as text (Excel writes
    # <v></v> for a formula that calculated to "" only with t="str"); or the 0 a writer caches
    # when it asks Excel to recalculate everything on opening.
    missing = element is None or (not value and kind != b"str")
    if formula and (missing or (recalculated and value == b"0" and kind == b"n")):
        text = html.unescape((formula.group(1) or b"").decode("utf-8", "replace")).strip()
        return f"{UNCALCULATED}={text}" if text else UNCALCULATED
    if kind == b"e" and value:
        return html.unescape(value.decode("utf-8", "replace")).strip()
    style = _ATTR_S.search(attributes)
    if kind == b"n" and value and style and int(style.group(1)) in percent:
        try:
            return percent_text(value.decode())
        except (ValueError, ArithmeticError):
            return None
    return None


def _styled(percent: set[int]) -> re.Pattern[bytes]:
    """A percent style attribute. It starts with a literal, which lets the regex engine skip
    to each candidate at C speed: a 100k-row sheet is searched in tens of milliseconds."""
    styles = b"|".join(str(s).encode() for s in sorted(percent))
    return re.compile(rb"s=[\"'](?:" + styles + rb")[\"']")


_ERROR_TYPE = re.compile(rb"t=[\"']e[\"']")
_FORMULA_START = re.compile(rb"<f[\s>/]")
_PREFIXED = re.compile(rb"<\w+:c\b")
_SPACE = b" \t\r\n"


def cell_start(xml: bytes, position: int, attribute: bool) -> int:
    """The start of the <c> tag holding an attribute found at `position` (attribute=True; -1
    when the tag is another element's, such as a row's style), or of the cell holding the <f>
    found there."""
    if attribute:
        if xml[position - 1 : position] not in (b" ", b"\t", b"\r", b"\n"):
            return -1  # the end of another attribute's name (cs="3")
        start = xml.rfind(b"<", 0, position)
        follows = xml[start + 2 : start + 3]
        return start if xml[start + 1 : start + 2] == b"c" and follows and follows in _SPACE else -1
    return max(xml.rfind(b"<c ", 0, position), xml.rfind(b"<c>", 0, position))


def _plain_percent(percent: set[int]) -> re.Pattern[bytes]:
    """A percent cell as Excel and most writers lay it out: r, then s, a value and nothing
    else. Most percent cells of a large sheet are read by this one search."""
    styles = b"|".join(str(s).encode() for s in sorted(percent))
    return re.compile(
        rb'<c r="([A-Z]{1,3})([0-9]{1,7})" s="(?:' + styles + rb')"(?: t="n")?><v>([^<]*)</v></c>'
    )


def cell_starts(xml: bytes, percent: set[int], plain: int) -> list[int]:
    """Where the cells worth a look start: an error, a formula, and a percent style unless all
    `plain` percent cells were read already."""
    starts = {cell_start(xml, m.start(), True) for m in _ERROR_TYPE.finditer(xml)}
    if percent:
        styled = [m.start() for m in _styled(percent).finditer(xml)]
        if len(styled) != plain:
            starts.update(cell_start(xml, position, True) for position in styled)
    starts.update(cell_start(xml, m.start(), False) for m in _FORMULA_START.finditer(xml))
    starts.discard(-1)
    return sorted(starts)


def sheet_overrides(xml: bytes, percent: set[int], recalculated: bool) -> Overrides:
    """The cells of one sheet's XML that show something else than their value, by (row, col)."""
    if _PREFIXED.search(xml):  # <x:c …>: written by a tool with namespace prefixes
        return positional_overrides(xml, percent, recalculated)
    overrides: Overrides = {}
    if percent:
        for letters, row, value in _plain_percent(percent).findall(xml):
            try:
                overrides[(int(row) - 1, column_index(letters))] = percent_text(value.decode())
            except (ValueError, ArithmeticError):
                continue
    for start in cell_starts(xml, percent, len(overrides)):
        cell = _ANY_CELL.match(xml, start)
        if cell is None:
            continue
        reference = _ATTR_R.search(cell.group(1))
        if reference is None:  # a writer that numbers no cells: walk every row and cell
            return positional_overrides(xml, percent, recalculated)
        text = shown(cell.group(1), cell.group(2) or b"", percent, recalculated)
        if text is not None:
            row, column = int(reference.group(2)) - 1, column_index(reference.group(1))
            overrides[(row, column)] = text
    return overrides


def positional_overrides(xml: bytes, percent: set[int], recalculated: bool) -> Overrides:
    """`sheet_overrides` for XML whose cells carry no r="B2": a row without r= follows the
    previous one, a cell without r= the previous cell, as calamine reads them."""
    overrides: Overrides = {}
    row = -1
    rows = list(_ROW.finditer(xml))
    for position, row_tag in enumerate(rows):
        number = re.search(rb"""\br\s*=\s*["'](\d+)["']""", row_tag.group(1))
        row = int(number.group(1)) - 1 if number else row + 1
        end = rows[position + 1].start() if position + 1 < len(rows) else len(xml)
        column = -1
        for cell in _ANY_CELL.finditer(xml, row_tag.end(), end):
            reference = _ATTR_R.search(cell.group(1))
            column = column_index(reference.group(1)) if reference else column + 1
            text = shown(cell.group(1), cell.group(2) or b"", percent, recalculated)
            if text is not None:
                overrides[(row, column)] = text
    return overrides


def xlsx_overrides(path: Path) -> dict[str, Overrides]:
    """Each sheet's cells (by sheet name) whose text differs from calamine's value."""
    with zipfile.ZipFile(path) as archive:
        members = set(archive.namelist())
        styles = archive.read("xl/styles.xml") if "xl/styles.xml" in members else b""
        workbook = archive.read("xl/workbook.xml") if "xl/workbook.xml" in members else b""
        # Set by writers that never calculate (xlsxwriter): Excel recalculates every formula on
        # opening, and the <v>0</v> stored meanwhile is no result.
        recalculated = bool(re.search(rb"""fullCalcOnLoad\s*=\s*["'](1|true)["']""", workbook))
        percent = percent_styles(styles)
        _, parts = bounds.sheet_parts(archive)
        result = {}
        for part, name in parts.items():
            xml = archive.read(part)
            if percent or b"<f" in xml or b't="e"' in xml or b"t='e'" in xml:
                result[name] = sheet_overrides(xml, percent, recalculated)
        return result


# A row Excel does not show: hidden by hand or filtered out (both set hidden="1" on the row).
_HIDDEN_ROW = re.compile(
    rb"""<row\b[^>]*?\br=["'](\d+)["'][^>]*?\bhidden=["'](?:1|true)["']"""
    rb"""|<row\b[^>]*?\bhidden=["'](?:1|true)["'][^>]*?\br=["'](\d+)["']"""
)


def hidden_rows(path: Path, sheet: str) -> list[int]:
    """The rows of an .xlsx sheet that Excel does not show (hidden, or filtered out), 0-based;
    none for an .xls or a workbook this cannot open (calamine then speaks for it). Only the
    sheet read is opened: a workbook's other sheets may be as large."""
    try:
        with zipfile.ZipFile(path) as archive:
            _, parts = bounds.sheet_parts(archive)
            found = []
            for part, name in parts.items():
                xml = archive.read(part) if name == sheet else b""
                if b"hidden" in xml:
                    found += [int(a or b) - 1 for a, b in _HIDDEN_ROW.findall(xml)]
            return found
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return []


# ---------------------------------------------------------------------------------------------
# .xls (BIFF8)
# ---------------------------------------------------------------------------------------------

BIFF_FORMAT, BIFF_XF = 0x041E, 0x00E0
BIFF_NUMBER, BIFF_RK, BIFF_BOOLERR, BIFF_FORMULA = 0x0203, 0x027E, 0x0205, 0x0006
BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
               0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}  # fmt: skip


def rk_value(rk: int) -> float:
    """An RK number: a 30-bit integer or the top of a double, maybe divided by 100."""
    value = (rk >> 2) - (1 << 30) if rk & 2 and rk & 0x80000000 else rk >> 2
    if not rk & 2:
        value = struct.unpack("<d", struct.pack("<Q", (rk & 0xFFFFFFFC) << 32))[0]
    return value / 100 if rk & 1 else float(value)


def biff_text(data: bytes, offset: int) -> str:
    """A BIFF8 XLUnicodeString (16-bit length) at `offset`."""
    (count,) = struct.unpack_from("<H", data, offset)
    flags = data[offset + 2]
    raw = data[offset + 3 : offset + 3 + count * (2 if flags & 1 else 1)]
    return raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")


def xls_overrides(path: Path) -> dict[str, Overrides]:
    """`xlsx_overrides` for an .xls: percent cells and error cells, by sheet name."""
    try:
        compound = bounds.CompoundFile(path.read_bytes())
        stream = compound.stream("Workbook") or compound.stream("Book") or b""
    except (ValueError, struct.error, StopIteration):
        return {}  # calamine reports a damaged workbook in its own words
    formats: dict[int, str] = {}
    xf_formats: list[int] = []
    names: list[str] = []
    sheets: list[Overrides] = []
    current: Overrides | None = None
    depth = 0
    position = 0

    def percent_xf(xf: int) -> bool:
        fmt = xf_formats[xf] if xf < len(xf_formats) else 0
        return fmt in BUILTIN_PERCENT or (fmt in formats and is_percent_format(formats[fmt]))

    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        body, position = position + 4, position + 4 + length
        try:
            if kind == bounds.BIFF_BOF:
                depth += 1
                sub = length >= 4 and struct.unpack_from("<H", stream, body + 2)[0]
                if sub == bounds.BIFF_WORKSHEET:
                    current = {}
                    sheets.append(current)
            elif kind == bounds.BIFF_EOF:
                depth -= 1
                current = None if depth <= 0 else current
            elif kind == bounds.BIFF_BOUNDSHEET and length >= 8:
                count, flags = stream[body + 6], stream[body + 7]
                text = stream[body + 8 : body + 8 + count * (2 if flags & 1 else 1)]
                names.append(text.decode("utf-16-le" if flags & 1 else "latin-1", "replace"))
            elif kind == BIFF_FORMAT and length >= 5:
                (number,) = struct.unpack_from("<H", stream, body)
                formats[number] = biff_text(stream, body + 2)
            elif kind == BIFF_XF and length >= 4:
                xf_formats.append(struct.unpack_from("<H", stream, body + 2)[0])
            elif current is None:
                continue
            elif kind == BIFF_NUMBER and length >= 14:
                row, column, xf = struct.unpack_from("<HHH", stream, body)
                if percent_xf(xf):
                    (value,) = struct.unpack_from("<d", stream, body + 6)
                    current[(row, column)] = percent_text(repr(value))
            elif kind == BIFF_RK and length >= 10:
                row, column, xf, rk = struct.unpack_from("<HHHI", stream, body)
                if percent_xf(xf):
                    current[(row, column)] = percent_text(repr(rk_value(rk)))
            elif kind == bounds.BIFF_MULRK and length >= 6:
                row, first = struct.unpack_from("<HH", stream, body)
                for n in range((length - 6) // 6):
                    xf, rk = struct.unpack_from("<HI", stream, body + 4 + n * 6)
                    if percent_xf(xf):
                        current[(row, first + n)] = percent_text(repr(rk_value(rk)))
            elif kind == BIFF_BOOLERR and length >= 8:
                row, column, _, value, is_error = struct.unpack_from("<HHHBB", stream, body)
                if is_error:
                    current[(row, column)] = BIFF_ERRORS.get(value, "#VALUE!")
            elif kind == BIFF_FORMULA and length >= 20:
                row, column, xf = struct.unpack_from("<HHH", stream, body)
                result = stream[body + 6 : body + 14]
                if result[6:8] == b"\xff\xff" and result[0] == 2:  # an error result
                    current[(row, column)] = BIFF_ERRORS.get(result[2], "#VALUE!")
                elif result[6:8] != b"\xff\xff" and percent_xf(xf):
                    current[(row, column)] = percent_text(repr(struct.unpack("<d", result)[0]))
        except (struct.error, IndexError, ValueError, ArithmeticError):
            continue
    return {
        (names[i] if i < len(names) else str(i + 1)): overrides
        for i, overrides in enumerate(sheets)
    }


def workbook_overrides(path: Path) -> dict[str, Overrides]:
    """Each sheet's cells whose shown text differs from calamine's value, for .xlsx/.xlsm/.xls.

    An .xlsx the reader cannot open here is left to calamine, which refuses it in its words.
    """
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head == bounds.CFB_MAGIC:
        return xls_overrides(path)
    try:
        return xlsx_overrides(path)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return {}
