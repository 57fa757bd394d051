"""A corpus of bad department files: each gets its documented ledger status and a message the
clerk can act on, the run goes on, and rejected input never changes the warehouse.

Tiers: functions on small data with real GX for the corpus: every file is built here, dropped
into one landing folder, received with `receive_feed`, validated with the feed's suite and
recorded with `record_verdict`, all on one temporary DuckDB file. The real Dagster job
(`refresh_all`) where the test is about the run: good and bad files in the same folders, then
rejected corrections that must leave the marts and facts as they were. A file still being copied
is tested on the sensors' decision, `pipelines.store.arrivals.new_arrivals`.

Each case lists words the clerk needs from the ledger, in English and in Chinese: where (row,
line, column, cell, folder), what was expected and what was found.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
import xlwt

from pipelines.checks.validation import validate_submissions
from pipelines.files import bounds
from pipelines.files.contracts import FEEDS
from pipelines.reports.report import neutralise
from pipelines.store.arrivals import ArrivalState, new_arrivals, scan
from pipelines.store.ingest import prepare, receive_feed
from pipelines.store.ledger import record_verdict
from pipelines.store.warehouse import connect
from tests.helpers import credit_code, run_refresh, settings_for

TOURISM = "tourism_revenue/culture_tourism"
PROJECTS = "projects/investment"
ENTERPRISES = "enterprise_registrations/market_regulation"
HEADER = ["报告期", "景区或类别", "接待游客", "旅游收入"]
INJECTION = "=cmd|' /C calc'!A0"
OUTSIDE_TEXT = "kept-outside-the-landing-root"
Content = bytes | Callable[[Path], bytes]


# ---------------------------------------------------------------------------------------------
# Building the files
# ---------------------------------------------------------------------------------------------


def csv_text(*lines: str, header: list[str] = HEADER, sep: str = ",") -> str:
    return sep.join(header) + "\n" + "".join(f"{line}\n" for line in lines)


def csv_bytes(*lines: str, header: list[str] = HEADER, sep: str = ",") -> bytes:
    return csv_text(*lines, header=header, sep=sep).encode()


def areas(count: int, period: str = "2024-03", start: int = 0) -> list[str]:
    """`count` valid tourism rows: 景区NN with 1000+N visitors and 100+N 万元."""
    return [f"{period},景区{n:02d},{1000 + n},{100 + n}" for n in range(start, start + count)]


def xlsx(rows: list[list], sheets: int = 1) -> bytes:
    """A workbook whose last sheet holds `rows`; the others hold a note each."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
        for number in range(1, sheets):
            book.add_worksheet(f"说明{number}").write_string(0, 0, f"第{number}页说明")
        sheet = book.add_worksheet("旅游收入")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    return buffer.getvalue()


TOURISM_SHEET = [HEADER, ["2024-03", "太阳岛", 1000, 100]]


def replaced(workbook: bytes, member: str, write: Callable[[zipfile.ZipFile], None]) -> bytes:
    """`workbook` with `member` written anew by `write(archive)`, every other member kept."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename == member:
                write(archive)
            else:
                archive.writestr(info.filename, source.read(info.filename))
    return buffer.getvalue()


def with_sheet_xml(workbook: bytes, change: Callable[[str], str]) -> bytes:
    """The workbook with its (only) sheet's XML changed by `change`."""
    member = "xl/worksheets/sheet1.xml"
    text = change(zipfile.ZipFile(io.BytesIO(workbook)).read(member).decode())
    return replaced(workbook, member, lambda archive: archive.writestr(member, text))


def zip_bomb(inflated_mb: int) -> bytes:
    """A real workbook whose sheet XML carries `inflated_mb` MB of blank space: legal XML, a
    few hundred kilobytes on disk."""
    workbook = xlsx(TOURISM_SHEET)
    member = "xl/worksheets/sheet1.xml"
    head, tail = zipfile.ZipFile(io.BytesIO(workbook)).read(member).split(b"<sheetData>")

    def write(archive: zipfile.ZipFile) -> None:
        with archive.open(member, "w") as sink:
            sink.write(head + b"<sheetData>")
            for _ in range(inflated_mb):
                sink.write(b" " * bounds.MiB)
            sink.write(tail)

    return replaced(workbook, member, write)


def understated(workbook: bytes, member: str, size: int) -> bytes:
    """The zip with `member`'s uncompressed size given as `size` in its local header and the
    central directory, as a crafted bomb would claim."""
    data = bytearray(workbook)
    offset = zipfile.ZipFile(io.BytesIO(workbook)).getinfo(member).header_offset
    struct.pack_into("<I", data, offset + 22, size)
    entry = data.find(b"PK\x01\x02")
    while entry != -1:
        if struct.unpack_from("<I", data, entry + 42)[0] == offset:
            struct.pack_into("<I", data, entry + 24, size)
        entry = data.find(b"PK\x01\x02", entry + 4)
    return bytes(data)


def encrypted_workbook() -> bytes:
    """What Excel saves for an .xlsx with an open password: an OLE compound file holding the
    streams EncryptionInfo and EncryptedPackage instead of a zip. Built by hand to [MS-CFB]
    version 3: the header, one FAT sector, one directory sector."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", 0, *[free] * 108)
    fat = struct.pack("<128I", fat_sector, end, *[free] * 126)

    def entry(name: str, kind: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", free, free, free)
            + bytes(36)
            + struct.pack("<IQ", end, 0)
        )

    directory = entry("Root Entry", 5) + entry("EncryptionInfo", 2) + entry("EncryptedPackage", 2)
    return header + fat + directory.ljust(512, b"\0")


def xls(cells: dict[tuple[int, int], object]) -> bytes:
    """A legacy .xls (BIFF8, written by xlwt) holding `cells` on one sheet."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("旅游收入")
    for (row, column), value in cells.items():
        sheet.write(row, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_shared_strings(doctype: str, cell: str) -> Callable[[Path], bytes]:
    """A workbook whose shared strings declare `doctype` and put `cell` where 太阳岛 was."""

    def build(root: Path) -> bytes:
        workbook = xlsx(TOURISM_SHEET)
        member = "xl/sharedStrings.xml"
        text = zipfile.ZipFile(io.BytesIO(workbook)).read(member).decode()
        text = text.replace("?>", "?>" + doctype.replace("{root}", str(root)), 1)
        text = text.replace("<t>太阳岛</t>", f"<t>{cell}</t>")
        return replaced(workbook, member, lambda archive: archive.writestr(member, text))

    return build


def formulas(_: Path) -> bytes:
    """Row 2 holds the injection as text; row 3 a real formula Excel cached as 松花江."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, HEADER)
        for row, (area, write) in enumerate(
            [(INJECTION, sheet.write_string), ("松花江", sheet.write_formula)], start=1
        ):
            sheet.write_string(row, 0, "2024-03")
            if write == sheet.write_string:
                sheet.write_string(row, 1, INJECTION)
            else:
                sheet.write_formula(row, 1, INJECTION, None, area)
            sheet.write_row(row, 2, [1000 + row, 100 + row])
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One kind of bad input: where it lands, what it holds, what the ledger must say.

    `english`/`chinese` are words of the ledger's message (or, for an accepted file, of its
    warning); none means the file is accepted without a word.
    """

    kind: str
    path: str
    content: Content
    status: str
    english: tuple[str, ...] = ()
    chinese: tuple[str, ...] = ()


def case(kind, path, content, status, english=(), chinese=()) -> pytest.param:
    return pytest.param(Case(kind, path, content, status, english, chinese), id=kind)


MONTH = areas(3)
# fmt: off
CORPUS = [
    # One line of 3 million short cells (6 MB): refused while it streams, before it is split
    # into cells, which took 15 minutes and 3.9 GB before there was a bound.
    case("one 6 MB line of short cells", f"{TOURISM}/超长行.csv",
         csv_bytes() + b"ab," * 2_000_000 + b"ab\n" + csv_bytes(*MONTH).split(b"\n", 1)[1],
         "rejected", ("Line 2 is longer than 1,024 KB", "far longer than a row"),
         ("第2行超过 1,024 KB", "远超表格一行的长度")),
    case("a row of 20,000 cells", f"{TOURISM}/超宽行.csv",
         csv_bytes(*MONTH) + b"2024-03," * 20_000 + b"\n", "rejected",
         ("Line 5 has 20,001 cells, more than the 16,384 columns Excel allows",),
         ("第5行有 20,001 个单元格，超过 Excel 允许的 16,384 列",)),
    case("empty file", f"{TOURISM}/空文件.csv", b"", "rejected",
         ("empty (0 bytes)", "copied completely"), ("文件为空（0 字节）", "未完整复制")),
    case("header only", f"{TOURISM}/只有表头.csv", csv_bytes(), "rejected",
         ("header but no data rows",), ("只有表头，没有数据行",)),
    case("binary garbage named .csv", f"{TOURISM}/乱码.csv", b"\x80\x00\xff" * 1000, "rejected",
         ("neither UTF-8 nor GBK", "byte 0 cannot be decoded", "save it as CSV"),
         ("既不是 UTF-8 也不是 GBK", "第 0 字节无法解码")),
    case("cut off inside a quoted cell", f"{TOURISM}/截断引号.csv",
         (csv_text(*MONTH) + '2024-03,"极地公园').encode(), "rejected",
         ("from line 5 on", "ends inside a quoted cell", "cut off while being copied"),
         ("第5行起无法读取", "复制时被截断")),
    case("cut off mid-row", f"{TOURISM}/截断行.csv",
         (csv_text(*MONTH) + "2024-03,伏尔加庄园,12").encode(), "rejected",
         ("cut off", "last line (5)", "3 of the header's 4 columns", "no line break"),
         ("不完整", "第5行", "4 列中的 3 列", "没有换行")),
    case("semicolon separator", f"{TOURISM}/分号.csv",
         csv_bytes("2024-03;太阳岛;1000;100", sep=";"), "rejected",
         ("separated by semicolons (;), not commas", "line 1", "CSV UTF-8 (Comma delimited)"),
         ("以分号（;）而不是逗号分隔", "第1行")),
    case("tab separator", f"{TOURISM}/制表符.csv",
         csv_bytes("2024-03\t太阳岛\t1000\t100", sep="\t"), "rejected",
         ("separated by tabs, not commas", "line 1"), ("以制表符（Tab）而不是逗号分隔", "第1行")),
    case("UTF-8 marker over GBK bytes", f"{TOURISM}/BOM加GBK.csv",
         b"\xef\xbb\xbf" + csv_text("2024-03,太阳岛,1000,100").encode("gbk"), "rejected",
         ("marked as UTF-8", "line 1 is not UTF-8", "probably GBK"),
         ("标记为 UTF-8", "第1行不是 UTF-8 文本", "GBK")),
    case("UTF-16 text (Excel's Unicode Text)", f"{TOURISM}/Unicode文本.txt",
         b"\xff\xfe" + csv_text("2024-03\t太阳岛\t1000\t100", sep="\t").encode("utf-16-le"),
         "rejected", ("UTF-16 text", "Unicode Text", "CSV UTF-8"), ("UTF-16 文本", "Unicode 文本")),
    case("missing required column", f"{TOURISM}/缺列.csv",
         csv_bytes("2024-03,太阳岛,1000", header=HEADER[:3]), "rejected",
         ("missing 旅游收入", "found A (报告期), B (景区或类别), C (接待游客)",
          "template's headers"),
         ("缺少 旅游收入",
          "文件中的列为 第 A 列（报告期）、第 B 列（景区或类别）、第 C 列（接待游客）")),
    case("unknown extra column", f"{TOURISM}/多一列.csv",
         csv_bytes("2024-03,太阳岛,1000,100,晴", header=[*HEADER, "天气"]), "accepted",
         ("天气", "not in the template", "not loaded"), ("天气", "不在模板中", "未导入")),
    case("the same column twice", f"{TOURISM}/重复列.csv",
         csv_bytes("2024-03,太阳岛,100,170", header=["报告期", "景区或类别", "旅游收入", "收入"]),
         "rejected",
         ("Columns C (旅游收入) and D (收入)", "template column 旅游收入", "keep only one"),
         ("第 C 列（旅游收入）、第 D 列（收入）", "模板列“旅游收入”", "只保留其中一列")),
    case("duplicate business keys", f"{TOURISM}/重复键.csv",
         csv_bytes(*areas(11), "2024-03,景区01,999,99"), "accepted_with_quarantine",
         ("row 3:", "row 13:", "the same 报告期 + 景区或类别 appears on more than one row"),
         ("第3行", "第13行", "“报告期+景区或类别”重复出现在多行")),
    case("negative amount", f"{TOURISM}/负数.csv",
         csv_bytes(*areas(3), "2024-03,景区03,1003,-5", *areas(6, start=4)),
         "accepted_with_quarantine",
         ("1 of 10 rows", "row 5, column D (旅游收入): 旅游收入 cannot be negative (found '-5')"),
         ("10行中有1行", "第5行 D 列（旅游收入）：“旅游收入”不能为负数（实际为“-5”）")),
    case("NaN and infinity", f"{TOURISM}/非数值.csv",
         csv_bytes(*[f"2024-03,景区{n:02d},1,{v}" for n, v in enumerate(
             ["nan", "inf", "∞", "-Infinity"])], *areas(21, start=4)),
         "accepted_with_quarantine",
         ("4 of 25 rows", "row 2, column D (旅游收入): 旅游收入 must be a number (found 'nan')",
          "(found 'inf')", "(found '∞')", "(found '-Infinity')"),
         ("25行中有4行", "第2行 D 列（旅游收入）：“旅游收入”应为数字（实际为“nan”）", "“∞”")),
    case("a date in the future", f"{ENTERPRISES}/未来日期.csv",
         csv_bytes(*[f"2024-03,{credit_code(n)},哈尔滨新区企业{n},新登记,"
                     f"{'2031-01-01' if n == 0 else '2024-03-05'}" for n in range(10)],
                   header=["报告期", "统一社会信用代码", "企业名称", "事项类型", "事项日期"]),
         "accepted_with_quarantine",
         ("row 2, column E (事项日期): 事项日期 is after the end of the reporting period",
          "(found '2031-01-01')"),
         ("第2行", "事项日期", "2031-01-01")),
    case("a period of the wrong year", f"{TOURISM}/错误年份.csv",
         csv_bytes("2019-03,景区00,1000,100", *areas(9, start=1)), "accepted_with_quarantine",
         ("row 2, column A (报告期): 报告期 must be a month from 2023", "(found '2019-03')"),
         ("第2行", "2019-03")),
    case("every row bad", f"{TOURISM}/全部2019年.csv", csv_bytes(*areas(3, period="2019-03")),
         "rejected",
         ("Rejected: 3 of 3 rows (100%)", "more than the 20% allowed", "row 2, column A (报告期):"),
         ("退回：3行中有3行（100%）", "超过允许的20%", "第2行 A 列（报告期）：")),
    case("a period contradicting the file name", f"{TOURISM}/2024年03月旅游收入.csv",
         csv_bytes(*areas(3, period="2024-05")), "rejected",
         ("file name says 2024-03", "rows' 报告期 is 2024-05", "Nothing from this file was loaded"),
         ("文件名显示为2024年3月", "表内报告期为2024年5月", "未导入任何数据")),
    case("a cumulative name over its last month (not a contradiction)",
         f"{TOURISM}/2024年1-3月旅游收入.csv", csv_bytes(*areas(3, start=40)), "accepted"),
    case("an unknown department folder", "tourism_revenue/tourism_bureau/旅游收入.csv",
         csv_bytes(*areas(3, start=50)), "rejected",
         ("department folder (culture_tourism)", "this file is in 'tourism_bureau'"),
         ("（culture_tourism）", "该文件位于“tourism_bureau”")),
    case("a subfolder of the department's folder", f"{TOURISM}/2024/旅游收入.csv",
         csv_bytes(*areas(3, start=60)), "rejected",
         ("this file is in 'culture_tourism/2024'",), ("该文件位于“culture_tourism/2024”",)),
    # A quoted cell of 2,000 short lines (202,000 characters): each line is short, the cell is not.
    case("a cell of 202,000 characters", f"{TOURISM}/超长单元格.csv",
         csv_bytes(f'2024-03,"{("景" * 100 + chr(10)) * 2000}",1000,100', *areas(2, start=1)),
         "rejected",
         ("from line 2 on", "runs past 131,072 characters", "32,767"),
         ("第2行起无法读取", "超过 131,072 个字符")),
    case("embedded line breaks and quotes", f"{TOURISM}/换行和引号.csv",
         csv_bytes('2024-03,"太阳岛\n""北区""",1000,100', "2024-03,极地公园,2000,200"),
         "accepted"),
    case("formula-like cells in a CSV", f"{TOURISM}/公式.csv",
         csv_bytes(f'2024-03,"{INJECTION}",1000,100', "2024-03,+1+1,1,2", "2024-03,@SUM(A1),1,3"),
         "accepted"),
    case("formula-like cells in a workbook", f"{TOURISM}/公式.xlsx", formulas, "accepted"),
    case("SQL in the file name", f"{TOURISM}/'; drop table x; --.csv",
         csv_bytes(*areas(2, start=70)), "accepted"),
    case("a Windows path in the file name", f"{TOURISM}/旅游收入..\\..\\etc\\passwd.csv",
         csv_bytes(*areas(2, start=80)), "accepted"),
    case("an .xlsx that is not a zip", f"{TOURISM}/不是压缩包.xlsx", b"PK but not a zip" * 8,
         "rejected", ("named .xlsx but its content is not an Excel workbook", "not a zip archive",
                      "save it as .xlsx"), ("扩展名为 .xlsx", "不是 Excel 工作簿", "另存为 .xlsx")),
    case("an .xlsx cut off while copying", f"{TOURISM}/截断.xlsx",
         lambda _: xlsx(TOURISM_SHEET)[:2000], "rejected",
         ("not an Excel workbook", "cut off while being copied"), ("复制不完整",)),
    case("a zip bomb", f"{TOURISM}/压缩炸弹.xlsx", lambda _: zip_bomb(200), "rejected",
         ("unpacks to 200 MB", "more than the 128 MB", "not opened"),
         ("解压后为 200 MB", "超过允许的 128 MB", "未予打开")),
    case("a zip bomb whose directory lies", f"{TOURISM}/谎报大小.xlsx",
         lambda _: understated(zip_bomb(200), "xl/worksheets/sheet1.xml", 1000), "rejected",
         ("unpacks to more than the 128 MB", "more than its zip directory says"),
         ("解压后超过允许的 128 MB", "多于其压缩目录所声明的大小")),
    case("a cell far away (A1 to XFD1048576)", f"{TOURISM}/远处单元格.xlsx",
         lambda _: with_sheet_xml(xlsx(TOURISM_SHEET), lambda x: x.replace(
             "</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')),
         "rejected",
         ("Sheet '旅游收入' reaches cell XFD1048576", "1,048,576 rows x 16,384 columns",
          "2,000,000 cells"),
         ("工作表“旅游收入”", "单元格 XFD1048576", "1,048,576 行 × 16,384 列")),
    case("formatting down to the last cell (not data)", f"{TOURISM}/格式到底.xlsx",
         lambda _: with_sheet_xml(xlsx(TOURISM_SHEET), lambda x: x.replace(
             "</sheetData>", '<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>')),
         "accepted"),
    case("a legacy .xls reaching its last cell", f"{TOURISM}/远处单元格.xls",
         lambda _: xls({(0, 0): "报告期", (65535, 255): 1}), "rejected",
         ("Sheet '旅游收入' reaches cell IV65536", "65,536 rows x 256 columns"),
         ("单元格 IV65536", "65,536 行 × 256 列")),
    case("300 sheets", f"{TOURISM}/三百个工作表.xlsx", lambda _: xlsx(TOURISM_SHEET, sheets=300),
         "rejected", ("300 sheets; at most 50 are read", "delete the other sheets"),
         ("有 300 个工作表，最多读取 50 个", "删除其他工作表")),
    case("a password-protected workbook", f"{TOURISM}/加密.xlsx", encrypted_workbook(), "rejected",
         ("protected by a password", "Remove the password"), ("设置了打开密码", "取消密码")),
    case("an .xls renamed .xlsx", f"{TOURISM}/旧格式.xlsx",
         lambda _: xls({(0, 0): "报告期", (1, 0): "2024-03"}), "rejected",
         ("named .xlsx but is an old-format (Excel 97-2003) workbook",),
         ("旧版（Excel 97-2003）",)),
    case("an external XML entity", f"{TOURISM}/外部实体.xlsx",
         with_shared_strings(
             '<!DOCTYPE sst [<!ENTITY secret SYSTEM "file://{root}/secret.txt">]>', "&secret;"),
         "rejected", ("cannot be opened", "unrecognized entity"), ("无法打开该工作簿",)),
    case("nested XML entities (billion laughs)", f"{TOURISM}/实体膨胀.xlsx",
         with_shared_strings(
             '<!DOCTYPE sst [<!ENTITY a "哈哈哈哈哈哈哈哈"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
             '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>',
             "&d;"),
         "rejected", ("cannot be opened", "unrecognized entity"), ("无法打开该工作簿",)),
    case("the header below the search window", f"{TOURISM}/表头太靠下.csv",
         ("".join(f"注：第{n}条填报说明\n" for n in range(31)) + csv_text(*areas(2))).encode(),
         "rejected", ("No header row", "in one of the first 30 filled rows"),
         ("未找到包含必填列的表头", "前 30 个非空行内")),
    case("a PDF", f"{TOURISM}/旅游收入.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "rejected",
         ("Files of type '.pdf' are not accepted", "send .xlsx, .xls or .csv"),
         ("不接受“.pdf”类型的文件",)),
    case("an OpenDocument sheet", f"{TOURISM}/旅游收入.ods", b"PK\x03\x04 ods", "rejected",
         ("Files of type '.ods' are not accepted",), ("不接受“.ods”类型的文件",)),
    case("a row of spaces only", f"{TOURISM}/只有空格.csv", csv_bytes("   ,  ,\u3000, "),
         "rejected", ("header but no data rows",), ("只有表头，没有数据行",)),
    case("another feed's template", f"{PROJECTS}/企业登记.csv",
         csv_bytes(f"2024-03,{credit_code(1)},某科技有限公司,新登记,2024-03-05",
                   header=["报告期", "统一社会信用代码", "企业名称", "事项类型", "事项日期"]),
         "rejected",
         ("looks like the enterprise_registrations template (企业登记及认定备案情况表)",
          "not projects", "Drop it in the enterprise_registrations folder"),
         ("看起来是“企业登记及认定备案情况表”",
          "放入报送单位在 enterprise_registrations 下的文件夹")),
    case("the same file dropped twice", f"{TOURISM}/3月旅游收入.csv",
         csv_bytes(*areas(2, start=90)), "duplicate",
         ("Same content as 3月旅游收入 - 副本.csv", "nothing was loaded again"),
         ("与已接收的“3月旅游收入 - 副本.csv”内容相同", "未重复导入")),
]
# fmt: on

# Dropped beside the corpus: the first copy of the duplicate, and what must never be received:
# links to /etc/passwd and to a folder outside the landing root, Excel's owner file, and a name
# starting with a dot, which is a hidden file (as are the partial copies some tools make).
COPY = f"{TOURISM}/3月旅游收入 - 副本.csv"
NEVER_RECEIVED = [
    "passwd.csv",
    "outside.csv",
    "~$2024年03月旅游收入.xlsx",
    "..\\etc\\passwd.csv",
    "hard-link-outside.csv",
    "hard-link-to-another-department.csv",
]


def landing_path(settings, relative: str) -> Path:
    path = settings.landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    """Every corpus file dropped in one landing folder, received, validated and recorded, as
    the raw asset and its GX check do; yields the open warehouse and the settings."""
    home = tmp_path_factory.mktemp("corpus")
    settings = settings_for(home)
    (home / "secret.txt").write_text(OUTSIDE_TEXT, encoding="utf-8")
    contents = {}
    for param in CORPUS:
        (item,) = param.values
        data = item.content(home) if callable(item.content) else item.content
        contents[item.path] = data
        landing_path(settings, item.path).write_bytes(data)
    landing_path(settings, COPY).write_bytes(contents[CORPUS[-1].values[0].path])
    assert len(set(contents.values())) == len(contents), "two corpus files share their bytes"
    # What the landing folder may hold but nobody sent: links out of the root, an owner file.
    (settings.landing / TOURISM / "passwd.csv").symlink_to("/etc/passwd")
    outside = home / "outside"
    outside.mkdir()
    (outside / "outside.csv").write_bytes(csv_bytes(*areas(2, start=95)))
    (settings.landing / TOURISM / "elsewhere").symlink_to(outside, target_is_directory=True)
    (settings.landing / TOURISM / NEVER_RECEIVED[2]).write_bytes(b"\x0b\x00owner" + bytes(150))
    (settings.landing / TOURISM / NEVER_RECEIVED[3]).write_bytes(csv_bytes(*areas(2, start=97)))
    # Hard links look like regular files to lstat: one to a file outside landing, one to a file
    # in another folder of landing. Neither is read; the file outside stays unread.
    (outside / "hard.csv").write_bytes(csv_bytes(*areas(2, start=173)))
    os.link(outside / "hard.csv", settings.landing / TOURISM / NEVER_RECEIVED[4])
    other = landing_path(settings, "projects/investment/linked-source.csv")
    other.write_bytes(csv_bytes(*areas(2, start=171)))
    os.link(other, settings.landing / TOURISM / NEVER_RECEIVED[5])
    with connect(settings.warehouse) as con:
        prepare(con)
        con.execute("create table x (kept integer)")  # what the SQL in a file name would drop
        for feed in FEEDS:
            received = receive_feed(con, settings.landing, settings.archive, feed)
            ids = [s.submission_id for s in received if s.status == "received"]
            for submission_id, verdict in validate_submissions(con, feed, ids).items():
                record_verdict(con, feed, submission_id, verdict)
        yield con, settings


def ledger_row(con, relative: str) -> dict:
    cursor = con.execute("select * from ledger.submissions where landing_path = ?", [relative])
    rows = cursor.fetchall()
    assert len(rows) == 1, f"{relative}: {len(rows)} ledger rows"
    return dict(zip([d[0] for d in cursor.description], rows[0], strict=True))


@pytest.mark.parametrize("item", CORPUS)
def test_each_bad_input_gets_its_status_and_a_message_a_clerk_can_follow(corpus, item: Case):
    con, _ = corpus
    row = ledger_row(con, item.path)
    assert row["status"] == item.status, row["message_en"]
    english = row["message_en"] or row["warnings_en"]
    chinese = row["message_zh"] or row["warnings_zh"]
    if not item.english:
        assert (english, chinese) == (None, None)
    for words in item.english:
        assert words in english, english
    for words in item.chinese:
        assert words in chinese, chinese
    if item.status in ("rejected", "duplicate"):
        # Nothing of it counts. Refused on receipt: nothing reached raw. Rejected by its rows:
        # they stay in raw as received, and no row was accepted.
        feed = item.path.split("/")[0]
        (in_raw,) = con.execute(
            f"select count(*) from raw.{feed} where submission_id = ?", [row["submission_id"]]
        ).fetchone()
        assert (in_raw, row["rows_accepted"] or 0) == (row["rows_read"], 0)


def test_the_corpus_holds_at_least_thirty_kinds() -> None:
    assert len(CORPUS) + len(NEVER_RECEIVED) >= 30


def test_links_out_of_the_landing_root_and_owner_files_are_never_received(corpus) -> None:
    con, _ = corpus
    paths = [p for (p,) in con.execute("select landing_path from ledger.submissions").fetchall()]
    assert not [p for p in paths if Path(p).name in NEVER_RECEIVED or "elsewhere" in p]
    # outside.csv's rows (景区95, 景区96), the hidden file's (景区97, 景区98) and the hard links'
    # (景区173, 景区174; 景区171, 景区172) never reached raw.
    found = con.execute(
        "select count(*) from raw.tourism_revenue where area in (select unnest($areas))",
        {"areas": [f"景区{n}" for n in (171, 172, 173, 174, 95, 96, 97, 98)]},
    )
    assert found.fetchone() == (0,)


def test_names_with_sql_and_path_characters_are_kept_verbatim_and_change_nothing(corpus) -> None:
    con, settings = corpus
    for name in ("'; drop table x; --.csv", "旅游收入..\\..\\etc\\passwd.csv"):
        row = ledger_row(con, f"{TOURISM}/{name}")
        assert row["file_name"] == name
        # The archive copy is named by content alone, inside the archive root.
        assert row["archive_path"] == f"{row['sha256'][:2]}/{row['sha256']}.csv"
        assert (settings.archive / row["archive_path"]).read_bytes() == (
            settings.landing / TOURISM / name
        ).read_bytes()
    assert con.execute("select count(*) from x").fetchone() == (0,)  # the table is still there
    assert not (settings.home / "etc").exists()


def test_line_breaks_and_quotes_inside_cells_arrive_intact(corpus) -> None:
    con, _ = corpus
    row = ledger_row(con, f"{TOURISM}/换行和引号.csv")
    assert con.execute(
        "select row_number, area, revenue_wan from raw.tourism_revenue "
        "where submission_id = ? order by row_number",
        [row["submission_id"]],
    ).fetchall() == [(2, '太阳岛\n"北区"', "100"), (4, "极地公园", "200")]


def test_formula_like_cells_are_text_never_evaluated_and_exported_inert(corpus) -> None:
    con, _ = corpus
    stored = {}
    for name in ("公式.csv", "公式.xlsx"):
        row = ledger_row(con, f"{TOURISM}/{name}")
        stored[name] = con.execute(
            "select area from staging.tourism_revenue_typed where submission_id = ? "
            "order by row_number",
            [row["submission_id"]],
        ).fetchall()
    assert stored["公式.csv"] == [(INJECTION,), ("+1+1",), ("@SUM(A1)",)]
    # A real formula cell gives the value Excel cached for it; its text is never run nor kept.
    assert stored["公式.xlsx"] == [(INJECTION,), ("松花江",)]
    # The leaders' workbook (pipelines.reports.report) writes text cells through neutralise.
    assert [neutralise(v) for (v,) in stored["公式.csv"]] == [f"'{INJECTION}", "'+1+1", "'@SUM(A1)"]


def test_external_entities_are_never_read(corpus) -> None:
    con, _ = corpus
    for table in ("raw.tourism_revenue", "ledger.submissions", "ledger.quarantine"):
        (text,) = con.execute(f"select string_agg(t::varchar, '') from {table} t").fetchone()
        assert OUTSIDE_TEXT not in (text or "")
    assert (
        "哈哈哈哈"
        not in con.execute(
            "select coalesce(string_agg(area, ''), '') from raw.tourism_revenue"
        ).fetchone()[0]
    )


def test_a_file_still_being_copied_waits_until_it_settles(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    path = landing / TOURISM / "2024年03月旅游收入.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(csv_bytes(*MONTH)[:40])  # the copy has written its first 40 bytes
    copied_at = 1_710_000_000.0
    os.utime(path, (copied_at, copied_at))
    looking = ArrivalState({}, set())
    fresh, looking = new_arrivals(scan(landing, "tourism_revenue"), looking, now=copied_at + 0.5)
    assert fresh == {}
    path.write_bytes(csv_bytes(*MONTH))  # the copy finishes
    os.utime(path, (copied_at + 1, copied_at + 1))
    fresh, looking = new_arrivals(scan(landing, "tourism_revenue"), looking, now=copied_at + 1.5)
    assert fresh == {}
    fresh, _ = new_arrivals(scan(landing, "tourism_revenue"), looking, now=copied_at + 10)
    assert list(fresh.values()) == [str(path)]
    assert path.stat().st_size == len(csv_bytes(*MONTH))


# ---------------------------------------------------------------------------------------------
# Through the real job
# ---------------------------------------------------------------------------------------------

FACTS = [
    "fact_projects",
    "fact_enterprise_events",
    "fact_tourism_revenue",
    "fact_school_places",
    "fact_headline_statistics",
]
PROJECT_HEADER = ["报告期", "项目编号", "项目名称", "项目类别", "协议引资额"]


def warehouse_state(settings) -> dict[str, list[tuple]]:
    """What the scorecard says and every fact row, from the pipeline's own file."""
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        tables = ["indicator_progress", *FACTS]
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall() for t in tables}


def statuses(settings) -> dict[str, tuple[str, str | None]]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute("select file_name, status, message_en from ledger.submissions")
        return {name: (status, message) for name, status, message in rows.fetchall()}


def test_a_run_with_good_and_bad_files_loads_the_good_and_rejected_input_changes_nothing(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, as_of_date="2024-02-20")
    good = {
        f"{TOURISM}/2024年1月旅游收入.csv": csv_bytes(
            "2024-01,太阳岛,1000,100", "2024-01,极地公园,2000,250"
        ),
        f"{PROJECTS}/2024年1月招商引资.csv": csv_bytes(
            "2024-01,ZS-1,冰雪装备产业园,招商引资,1234.5", header=PROJECT_HEADER
        ),
    }
    bad = {
        f"{TOURISM}/乱码.csv": b"\x80\x00\xff" * 100,
        f"{TOURISM}/远处单元格.xlsx": with_sheet_xml(xlsx(TOURISM_SHEET), lambda x: x.replace(
            "</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')),
        f"{TOURISM}/压缩炸弹.xlsx": zip_bomb(200),
        # If accepted, this would restate January with February's figures.
        f"{TOURISM}/2024年2月旅游收入.csv": csv_bytes("2024-01,太阳岛,1,1"),
        f"{PROJECTS}/缺列.csv": csv_bytes("2024-01,ZS-2,项目", header=PROJECT_HEADER[:3]),
    }  # fmt: skip
    for relative, data in {**good, **bad}.items():
        landing_path(settings, relative).write_bytes(data)
    assert run_refresh(settings).success

    ledger = statuses(settings)
    assert {n: s for n, (s, _) in ledger.items() if s != "rejected"} == {
        "2024年1月旅游收入.csv": "accepted",
        "2024年1月招商引资.csv": "accepted",
        # The deployment's plan (tests.helpers.settings_for drops the seed's 2024 plan).
        "2024年01月起执行工作计划考核目标.csv": "accepted",
    }
    assert sorted(n for n, (s, _) in ledger.items() if s == "rejected") == sorted(
        Path(r).name for r in bad
    )
    assert all(message for status, message in ledger.values() if status == "rejected")
    before = warehouse_state(settings)
    # The good files' rows, as sent: 100 + 250 万元 of tourism revenue, one project.
    assert [(r[2], r[4]) for r in before["fact_tourism_revenue"]] == [
        ("太阳岛", 100),
        ("极地公园", 250),
    ]
    assert [(r[2], r[8]) for r in before["fact_projects"]] == [("ZS-1", 1234.5)]
    assert len(before["indicator_progress"]) == 21

    # Corrections of January that must be refused: every row negative; a workbook that is not.
    later = {
        f"{TOURISM}/2024年1月旅游收入（更正）.csv": csv_bytes(
            "2024-01,太阳岛,1000,-100", "2024-01,极地公园,2000,-250"
        ),
        f"{TOURISM}/2024年1月旅游收入（更正）.xlsx": b"not a workbook" * 10,
    }
    for relative, data in later.items():
        landing_path(settings, relative).write_bytes(data)
    assert run_refresh(settings).success

    ledger = statuses(settings)
    assert [ledger[Path(r).name][0] for r in later] == ["rejected", "rejected"]
    assert ledger["2024年1月旅游收入.csv"][0] == "accepted"  # not superseded
    assert warehouse_state(settings) == before
