"""Cells as Excel shows them, and every sheet of a workbook accounted for (issue 11, 1 and 4).

Tier: functions on small data, through the real ingestion path. Each file is built here the way
Excel, WPS or a program writes it (xlsxwriter with number formats, formulas and hidden sheets;
xlwt for .xls; raw bytes for a CSV as Excel saves it), dropped in a landing folder, received by
`receive_feed` into a fresh DuckDB, validated with the feed's suite and recorded in the ledger.
Each test asserts the exact typed values, or the exact findings and refusal words in English
and Chinese:

- a percent cell (0.0%, 0.00%, 0%) arrives as the percentage points Excel shows (6.3) in a
  column whose unit is %, and a percent cell in an amount column is quarantined, not scaled;
- a date-formatted number arrives as its date, a text-formatted number as the text shown;
- an error cell (#DIV/0!, #REF!, #N/A) is never empty: its row is quarantined naming the error;
- a formula nobody calculated is quarantined saying so (not "不能为空"), while a formula Excel
  calculated is read as its result, 0 included;
- an 18-digit code Excel turned into a number (9.14403E+17) is quarantined naming the cause;
- hidden sheets are not read (a warning names them), a workbook whose only template sheet is
  hidden is refused naming it, several visible sheets with the template's data are refused
  naming them, and an unused copy of the template is named in a warning.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import xlsxwriter
import xlwt

from pipelines.checks.suite_sql import required_texts
from pipelines.checks.suites import load_rules
from pipelines.checks.validation import validate_submissions
from pipelines.files.contracts import load_contract
from pipelines.files.templates import example_value
from pipelines.store.ingest import prepare, receive_feed
from pipelines.store.ledger import record_verdict
from tests.helpers import credit_code, settings_for

D = Decimal
SENDERS = {
    "projects": "investment",
    "enterprise_registrations": "market_regulation",
    "headline_statistics": "statistics",
    "tourism_revenue": "culture_tourism",
}
TOURISM_HEADER = ["报告期", "景区或类别", "接待游客", "旅游收入"]
HEADLINE_HEADER = ["报告期", "指标代码", "指标名称", "本期累计值", "累计同比增长"]
REGISTRATION_HEADER = ["报告期", "统一社会信用代码", "企业名称", "事项类型", "事项日期"]
PROJECT_HEADER = ["报告期", "项目编号", "项目名称", "项目类别", "签约日期", "协议引资额"]
MARCH = dt.date(2024, 3, 1)
# 2024-03-01 and 2024-03-05 as Excel stores them: days since 1899-12-30.
MARCH_SERIAL, MARCH_5 = 45352, 45356
# An 18-digit credit code typed into a number cell: Excel keeps 15 digits, General shows this.
LOST = 914403001234567890
LOST_SHOWN = "9.14403E+17"


# ---------------------------------------------------------------------------------------------
# Files as Excel, WPS and programs write them
# ---------------------------------------------------------------------------------------------


class Number:
    """A number cell with an Excel number format (None: General)."""

    def __init__(self, value: float, number_format: str | int | None = None) -> None:
        self.value, self.number_format = value, number_format


class Formula:
    """A formula cell; `result` is the value Excel cached, None when nobody calculated it."""

    def __init__(self, text: str, result: object = None) -> None:
        self.text, self.result = text, result


def xlsx(sheets: list[tuple[str, list[list], str]]) -> bytes:
    """A workbook of (name, rows, state) sheets, state '' (visible), 'hidden' or 'very'.

    Cells are text, plain numbers, `Number` (with a format) or `Formula`."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
        formats: dict = {}
        shown = False
        for name, rows, state in sheets:
            sheet = book.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    if isinstance(cell, Number):
                        key = cell.number_format
                        if key not in formats:
                            formats[key] = book.add_format({"num_format": key} if key else {})
                        sheet.write_number(r, c, cell.value, formats[key])
                    elif isinstance(cell, Formula):
                        if cell.result is None:
                            sheet.write_formula(r, c, cell.text)  # caches 0, asks for recalc
                        else:
                            sheet.write_formula(r, c, cell.text, None, cell.result)
                    elif cell is not None:
                        sheet.write(r, c, cell)
            if not state and not shown:  # Excel hides no sheet that is the active one
                sheet.activate()
                shown = True
            if state == "hidden":
                sheet.hide()
            elif state == "very":
                sheet.very_hidden()
    return buffer.getvalue()


def saved_by_excel(workbook: bytes, text_results: tuple[str, ...] = ()) -> bytes:
    """The workbook as Excel saves it: every formula calculated, so no fullCalcOnLoad flag
    asking the next reader to recalculate; the formula cells in `text_results` (B5) calculated
    to text, which Excel marks t="str" (an empty result is then <v></v>)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = re.sub(rb'\s*fullCalcOnLoad="1"', b"", data)
            for cell in text_results:
                data = data.replace(f'<c r="{cell}">'.encode(), f'<c r="{cell}" t="str">'.encode())
            target.writestr(item, data)
    return out.getvalue()


def xls(sheets: list[tuple[str, list[list], int]]) -> bytes:
    """An Excel 97-2003 workbook of (name, rows, visibility) sheets (0 visible, 1 hidden).

    Cells are text, plain numbers, `Number` (with a format string) or "#DIV/0!"-style errors."""
    book = xlwt.Workbook(encoding="utf-8")
    for name, rows, visibility in sheets:
        sheet = book.add_sheet(name)
        sheet.visibility = visibility
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if isinstance(cell, Number):
                    style = xlwt.easyxf(num_format_str=cell.number_format or "General")
                    sheet.write(r, c, cell.value, style)
                elif isinstance(cell, str) and cell.startswith("#"):
                    # xlwt spells #N/A as '#N/A!'; the record holds Excel's code (0x2A).
                    sheet.row(r).set_cell_error(c, "#N/A!" if cell == "#N/A" else cell)
                elif cell is not None:
                    sheet.write(r, c, cell)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def excel_csv(*lines: str) -> bytes:
    """A CSV as Excel saves one (CSV UTF-8): a BOM, CRLF line ends, each cell as shown."""
    return ("\ufeff" + "".join(f"{line}\r\n" for line in lines)).encode("utf-8")


def tourism_rows(count: int, start: int = 0, period: object = "2024-03") -> list[list]:
    """`count` good tourism rows: 景区NN, 1000+N visitors, 100+N 万元."""
    return [[period, f"景区{n:02d}", 1000 + n, 100 + n] for n in range(start, start + count)]


# ---------------------------------------------------------------------------------------------
# Receiving, validating, reading back
# ---------------------------------------------------------------------------------------------


def deliver(root: Path, feed: str, name: str, data: bytes):
    """Drop one file from the feed's sender, receive, validate and record it; return the
    warehouse and the file's ledger row."""
    settings = settings_for(root)
    path = settings.landing / feed / SENDERS[feed] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    con = duckdb.connect()
    prepare(con)
    [submission] = receive_feed(con, settings.landing, settings.archive, feed)
    if submission.status == "received":
        for submission_id, verdict in validate_submissions(
            con, feed, [submission.submission_id]
        ).items():
            record_verdict(con, feed, submission_id, verdict)
    cursor = con.execute("select * from ledger.submissions")
    [row] = cursor.fetchall()
    return con, dict(zip([d[0] for d in cursor.description], row, strict=True))


def typed(con: duckdb.DuckDBPyConnection, feed: str, columns: str) -> list[tuple]:
    return con.execute(f"select {columns} from staging.{feed}_typed order by row_number").fetchall()


def findings(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(row, column, rule, value found) of every quarantined finding, in row order."""
    return con.execute(
        "select row_number, column_name, rule, value_found from ledger.quarantine "
        "order by row_number, rule, column_name"
    ).fetchall()


def reasons(con: duckdb.DuckDBPyConnection, rule: str) -> set[tuple[str, str]]:
    return set(
        con.execute(
            "select reason_en, reason_zh from ledger.quarantine where rule = ?", [rule]
        ).fetchall()
    )


# ---------------------------------------------------------------------------------------------
# 1. Percent cells
# ---------------------------------------------------------------------------------------------

# The statistics bureau's March figures: growth in percentage points as Excel shows it.
HEADLINE_TYPED = [
    (MARCH, "gdp", D("1234.5600"), D("6.3000")),
    (MARCH, "industrial_value_added", D("88.0000"), D("5.2500")),
    (MARCH, "retail_sales", D("456.7000"), D("-12.1000")),
    (MARCH, "fixed_asset_investment", D("300.0000"), D("10.0000")),
    (MARCH, "resident_income", D("0.3000"), D("7.5000")),
]
HEADLINE_COLUMNS = "period, metric_code, value_ytd, growth_pct"


def headline_cells(percent: str, points: str, whole: str | int) -> list[list]:
    """The March rows, the month as a date cell (yyyy-mm) and growth in percent formats: 0.0%,
    0.00%, the built-in 0% (id 9), and growth typed as text with its sign."""
    month = Number(MARCH_SERIAL, "yyyy-mm")
    return [
        ["2024年1-3月主要经济指标"],
        HEADLINE_HEADER,
        [month, "gdp", "地区生产总值", Number(1234.56, "#,##0.00"), Number(0.063, percent)],
        [month, "industrial_value_added", "规上工业增加值", 88, Number(0.0525, points)],
        [month, "retail_sales", "社会消费品零售总额", 456.7, Number(-0.121, percent)],
        [month, "fixed_asset_investment", "固定资产投资", 300, Number(0.1, whole)],
        [month, "resident_income", "居民人均可支配收入", 0.1 + 0.2, "7.5%"],
    ]


def test_percent_cells_of_an_xlsx_arrive_as_the_points_excel_shows(tmp_path: Path) -> None:
    data = xlsx([("指标", headline_cells("0.0%", "0.00%", 9), "")])
    con, ledger = deliver(tmp_path, "headline_statistics", "2024年3月指标.xlsx", data)
    assert ledger["status"] == "accepted", ledger["message_en"]
    # 0.063 shown 6.3% is 6.3, never 0.063 nor 630; 0.1 + 0.2 is the 0.3 Excel shows.
    assert typed(con, "headline_statistics", HEADLINE_COLUMNS) == HEADLINE_TYPED
    assert con.execute(
        "select growth_pct__text from staging.headline_statistics_typed order by row_number"
    ).fetchall() == [("6.3%",), ("5.25%",), ("-12.1%",), ("10%",), ("7.5%",)]


def test_percent_cells_of_an_xls_arrive_as_the_points_excel_shows(tmp_path: Path) -> None:
    data = xls([("指标", headline_cells("0.0%", "0.00%", "0%"), 0)])
    con, ledger = deliver(tmp_path, "headline_statistics", "2024年3月指标.xls", data)
    assert ledger["status"] == "accepted", ledger["message_en"]
    assert typed(con, "headline_statistics", HEADLINE_COLUMNS) == HEADLINE_TYPED


def exported_by_a_system(workbook: bytes) -> bytes:
    """The workbook as .NET's Open XML SDK exports write it: the sheet's elements under an x:
    namespace prefix, and no r="B2" on cells (each follows the one before)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(main, main.replace(b"xmlns=", b"xmlns:x="))
                data = re.sub(rb"<(/?)(?=[a-zA-Z])", rb"<\1x:", data)
                data = re.sub(rb' r="[A-Z]+[0-9]+"', b"", data)
            target.writestr(item, data)
    return out.getvalue()


def test_percent_cells_of_a_system_export_arrive_as_the_points_shown(tmp_path: Path) -> None:
    data = exported_by_a_system(xlsx([("指标", headline_cells("0.0%", "0.00%", 9), "")]))
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b'<x:c s="' in sheet and b' r="A' not in sheet
    con, ledger = deliver(tmp_path, "headline_statistics", "2024年3月指标.xlsx", data)
    assert ledger["status"] == "accepted", ledger["message_en"]
    assert typed(con, "headline_statistics", HEADLINE_COLUMNS) == HEADLINE_TYPED


def test_the_same_figures_saved_as_csv_by_excel_arrive_the_same(tmp_path: Path) -> None:
    data = excel_csv(
        "2024年1-3月主要经济指标,,,,",
        ",".join(HEADLINE_HEADER),
        '2024-03,gdp,地区生产总值,"1,234.56",6.3%',
        "2024-03,industrial_value_added,规上工业增加值,88,5.25%",
        "2024-03,retail_sales,社会消费品零售总额,456.7,-12.1%",
        "2024-03,fixed_asset_investment,固定资产投资,300,10%",
        "2024-03,resident_income,居民人均可支配收入,0.3,7.5%",
    )
    con, ledger = deliver(tmp_path, "headline_statistics", "2024年3月指标.csv", data)
    assert ledger["status"] == "accepted", ledger["message_en"]
    assert typed(con, "headline_statistics", HEADLINE_COLUMNS) == HEADLINE_TYPED


def test_a_percent_cell_in_an_amount_column_is_quarantined_not_scaled(tmp_path: Path) -> None:
    """旅游收入 is in 万元: 50% there could mean 50 or 0.5 万元, so the row is held naming it."""
    rows = [TOURISM_HEADER, *tourism_rows(6)]
    rows.append(["2024-03", "冰雪大世界", 5000, Number(0.5, "0%")])
    con, ledger = deliver(
        tmp_path, "tourism_revenue", "3月旅游收入.xlsx", xlsx([("3月", rows, "")])
    )
    assert ledger["status"] == "accepted_with_quarantine", ledger["message_en"]
    assert findings(con) == [(8, "旅游收入", "percent_not_the_unit", "50%")]
    [(english, chinese)] = reasons(con, "percent_not_the_unit")
    assert "旅游收入 is shown as a percentage" in english and "in 万元" in english
    assert "“旅游收入”显示为百分比" in chinese and "该列单位为万元" in chinese
    assert (ledger["rows_read"], ledger["rows_accepted"]) == (7, 6)


# ---------------------------------------------------------------------------------------------
# 2. Dates and text-formatted numbers
# ---------------------------------------------------------------------------------------------


def test_date_formatted_numbers_arrive_as_dates_and_text_formats_as_typed(tmp_path: Path) -> None:
    """The investment bureau's register: 报告期 a date cell shown 2024年3月, 签约日期 in four
    date formats (a custom Chinese one, the built-in 14, one with a time, and text), 项目编号 a
    number in a Text-formatted column, and an amount Excel shows to 15 digits."""
    month = Number(MARCH_SERIAL, '[$-804]yyyy"年"m"月"')
    rows = [
        PROJECT_HEADER,
        [month, Number(2024001, "@"), "冰雪装备产业园", "招商引资", Number(MARCH_5, "yyyy年m月d日"),
         Number(1234.5, "#,##0.00")],
        [month, "00123", "生物医药产业园", "招商引资", Number(45369, 14), 80],
        [month, "ZS-3", "数字经济产业园", "招商引资", Number(45360.5, "yyyy/mm/dd hh:mm"),
         0.1 + 0.2],
        [month, "ZS-4", "寒地汽车测试场", "招商引资", "2024.3.20", Number(1e-7 + 3, "0.00")],
    ]  # fmt: skip
    con, ledger = deliver(tmp_path, "projects", "3月项目.xlsx", xlsx([("项目", rows, "")]))
    assert ledger["status"] == "accepted", ledger["message_en"]
    assert typed(con, "projects", "period, project_code, signed_on, contracted_amount_wan") == [
        (MARCH, "2024001", dt.date(2024, 3, 5), D("1234.5000")),
        (MARCH, "00123", dt.date(2024, 3, 18), D("80.0000")),
        (MARCH, "ZS-3", dt.date(2024, 3, 9), D("0.3000")),
        (MARCH, "ZS-4", dt.date(2024, 3, 20), D("3.0000")),
    ]
    assert [t for (t,) in typed(con, "projects", "signed_on__text")] == [
        "2024-03-05",
        "2024-03-18",
        "2024-03-09 12:00:00",
        "2024.3.20",
    ]


# ---------------------------------------------------------------------------------------------
# 3. Error cells
# ---------------------------------------------------------------------------------------------

ERROR_ROWS_EXPECTED = {
    (16, "旅游收入", "cell_error", "#DIV/0!"),
    (17, "接待游客", "cell_error", "#REF!"),
    (18, "景区或类别", "cell_error", "#N/A"),
}


def error_rows(period: object = "2024-03") -> list[list]:
    return [
        [period, "冰雪大世界", 5000, "#DIV/0!"],
        [period, "太阳岛", "#REF!", 300],
        [period, "#N/A", 900, 12],
    ]


def assert_errors_quarantined(con: duckdb.DuckDBPyConnection, ledger: dict) -> None:
    """14 good rows and 3 rows with an error cell each: the three are held, naming the error
    the cell shows; none is called empty."""
    assert ledger["status"] == "accepted_with_quarantine", ledger["message_en"]
    assert (ledger["rows_read"], ledger["rows_accepted"]) == (17, 14)
    found = findings(con)
    assert set(found) >= ERROR_ROWS_EXPECTED
    assert {r for r, *_ in found} == {16, 17, 18}
    assert "required" not in {rule for _, _, rule, _ in found}
    english, chinese = zip(*reasons(con, "cell_error"), strict=True)
    assert any("旅游收入 shows an Excel error value" in e for e in english)
    assert any("“旅游收入”单元格显示错误值" in z and "请修正公式或改为数值后重新报送" in z
               for z in chinese)  # fmt: skip
    assert (
        "row 16, column D (旅游收入): 旅游收入 shows an Excel error value" in ledger["message_en"]
    )
    assert "第16行 D 列（旅游收入）：“旅游收入”单元格显示错误值" in ledger["message_zh"]
    assert "（实际为“#DIV/0!”）" in ledger["message_zh"]


def test_error_cells_of_an_xlsx_are_quarantined_naming_the_error(tmp_path: Path) -> None:
    rows = [TOURISM_HEADER, *tourism_rows(14)]
    bad = [
        ["2024-03", "冰雪大世界", 5000, Formula("C16/0", "#DIV/0!")],
        ["2024-03", "太阳岛", Formula("#REF!*2", "#REF!"), 300],
        ["2024-03", Formula('VLOOKUP("x",A1:A2,1,FALSE)', "#N/A"), 900, 12],
    ]
    data = saved_by_excel(xlsx([("3月", rows + bad, "")]))
    con, ledger = deliver(tmp_path, "tourism_revenue", "3月旅游收入.xlsx", data)
    assert_errors_quarantined(con, ledger)


def test_error_cells_of_an_xls_are_quarantined_naming_the_error(tmp_path: Path) -> None:
    rows = [TOURISM_HEADER, *tourism_rows(14), *error_rows()]
    con, ledger = deliver(tmp_path, "tourism_revenue", "3月旅游收入.xls", xls([("3月", rows, 0)]))
    assert_errors_quarantined(con, ledger)


def test_error_values_in_a_csv_saved_by_excel_are_quarantined_naming_them(tmp_path: Path) -> None:
    lines = [",".join(TOURISM_HEADER)]
    lines += [",".join(str(c) for c in row) for row in tourism_rows(14) + error_rows()]
    con, ledger = deliver(tmp_path, "tourism_revenue", "3月旅游收入.csv", excel_csv(*lines))
    assert_errors_quarantined(con, ledger)


# ---------------------------------------------------------------------------------------------
# 4. Formulas nobody calculated
# ---------------------------------------------------------------------------------------------


def test_a_formula_never_calculated_is_quarantined_saying_so(tmp_path: Path) -> None:
    """A workbook a program wrote (xlsxwriter) whose formulas no Excel ever calculated: the
    cached 0 is no result, and the message says to open and save it, not that it is empty."""
    rows = [TOURISM_HEADER, *tourism_rows(8)]
    rows.append(["2024-03", "冰雪大世界", 5000, Formula("C10/10")])
    rows.append(["2024-03", Formula('"太阳"&"岛"'), 800, 40])
    con, ledger = deliver(
        tmp_path, "tourism_revenue", "3月旅游收入.xlsx", xlsx([("3月", rows, "")])
    )
    assert ledger["status"] == "accepted_with_quarantine", ledger["message_en"]
    assert findings(con) == [
        (10, "旅游收入", "decimal_format", "公式未计算：=C10/10"),
        (10, "旅游收入", "formula_not_calculated", "公式未计算：=C10/10"),
        (11, "景区或类别", "formula_not_calculated", '公式未计算：="太阳"&"岛"'),
    ]
    english, chinese = zip(*sorted(reasons(con, "formula_not_calculated")), strict=True)
    assert "“旅游收入”单元格是公式但没有计算结果：请在 Excel 中打开、保存后重新报送" in chinese
    assert "“景区或类别”单元格是公式但没有计算结果：请在 Excel 中打开、保存后重新报送" in chinese
    assert any("holds a formula with no calculated result" in e for e in english)


def test_a_formula_with_no_cached_value_at_all_is_quarantined_saying_so(tmp_path: Path) -> None:
    """openpyxl and similar tools write <f>…</f><v></v>: nothing cached, even in a file with no
    recalculation flag, and not in a required column's "不能为空" either."""
    rows = [TOURISM_HEADER, *tourism_rows(8)]
    rows.append(["2024-03", "冰雪大世界", 5000, Formula("SUM(C2:C9)/100", "")])
    data = saved_by_excel(xlsx([("3月", rows, "")]))
    con, ledger = deliver(tmp_path, "tourism_revenue", "3月旅游收入.xlsx", data)
    assert ledger["status"] == "accepted_with_quarantine", ledger["message_en"]
    found = findings(con)
    assert (10, "旅游收入", "formula_not_calculated", "公式未计算：=SUM(C2:C9)/100") in found
    assert "required" not in {rule for _, _, rule, _ in found}


def test_formulas_excel_calculated_are_read_as_their_results_zero_included(
    tmp_path: Path,
) -> None:
    """Excel's results, whatever they are: text, 0, a number, and "" from =IF(…,"",…) in an
    optional column, which is empty as the clerk sees it, not an uncalculated formula."""
    rows = [TOURISM_HEADER, *tourism_rows(3)]
    rows.append(
        ["2024-03", Formula('"太阳"&"岛"', "太阳岛"), Formula("0*1", 0), Formula("C2/4", 250)]
    )
    rows.append(["2024-03", "松北湿地", Formula('IF(D6>0,"",1)', ""), 12])
    data = saved_by_excel(xlsx([("3月", rows, "")]), text_results=("C6",))
    con, ledger = deliver(tmp_path, "tourism_revenue", "3月旅游收入.xlsx", data)
    assert ledger["status"] == "accepted", ledger["message_en"]
    assert typed(con, "tourism_revenue", "area, visitors, revenue_wan")[-2:] == [
        ("太阳岛", 0, D("250.0000")),
        ("松北湿地", None, D("12.0000")),
    ]


# ---------------------------------------------------------------------------------------------
# 5. Codes Excel turned into numbers
# ---------------------------------------------------------------------------------------------


def registration(serial: int) -> list:
    return ["2024-03", credit_code(serial), f"企业{serial}", "新登记", "2024-03-05"]


def assert_lost_digits_quarantined(con: duckdb.DuckDBPyConnection, ledger: dict) -> None:
    assert ledger["status"] == "accepted_with_quarantine", ledger["message_en"]
    assert (ledger["rows_read"], ledger["rows_accepted"]) == (12, 10)
    lost = [f for f in findings(con) if f[2] == "number_lost_digits"]
    assert lost == [(12, "统一社会信用代码", "number_lost_digits", LOST_SHOWN),
                    (13, "统一社会信用代码", "number_lost_digits", LOST_SHOWN)]  # fmt: skip
    [(english, chinese)] = reasons(con, "number_lost_digits")
    assert "统一社会信用代码 was typed into a number cell" in english
    assert "set the column's format to Text" in english
    assert "单元格被设为数字格式，末尾数字已丢失" in chinese
    assert "把该列设为文本格式后重新输入" in chinese


def test_a_credit_code_excel_turned_into_a_number_is_quarantined_naming_why(
    tmp_path: Path,
) -> None:
    rows = [REGISTRATION_HEADER, *[registration(n) for n in range(10)]]
    rows.append(["2024-03", Number(LOST), "哈尔滨冰雪科技有限公司", "新登记", "2024-03-06"])
    rows.append(
        ["2024-03", Number(LOST + 10, "0"), "哈尔滨寒地装备有限公司", "新登记", "2024-03-07"]
    )
    con, ledger = deliver(
        tmp_path, "enterprise_registrations", "3月登记.xlsx", xlsx([("登记", rows, "")])
    )
    assert_lost_digits_quarantined(con, ledger)


def test_a_credit_code_turned_into_a_number_in_an_xls_is_quarantined(tmp_path: Path) -> None:
    rows = [REGISTRATION_HEADER, *[registration(n) for n in range(10)]]
    rows.append(["2024-03", Number(float(LOST)), "哈尔滨冰雪科技有限公司", "新登记", "2024-03-06"])
    rows.append(
        ["2024-03", Number(float(LOST), "0"), "哈尔滨寒地装备有限公司", "新登记", "2024-03-07"]
    )
    con, ledger = deliver(
        tmp_path, "enterprise_registrations", "3月登记.xls", xls([("登记", rows, 0)])
    )
    assert_lost_digits_quarantined(con, ledger)


def test_a_credit_code_excel_saved_in_a_csv_as_a_number_is_quarantined(tmp_path: Path) -> None:
    lines = [",".join(REGISTRATION_HEADER)]
    lines += [",".join(registration(n)) for n in range(10)]
    lines += [f"2024-03,{LOST_SHOWN},哈尔滨冰雪科技有限公司,新登记,2024-03-06",
              f"2024-03,{LOST_SHOWN},哈尔滨寒地装备有限公司,新登记,2024/3/7"]  # fmt: skip
    con, ledger = deliver(tmp_path, "enterprise_registrations", "3月登记.csv", excel_csv(*lines))
    assert_lost_digits_quarantined(con, ledger)


# ---------------------------------------------------------------------------------------------
# 6-7. Every sheet accounted for
# ---------------------------------------------------------------------------------------------


def test_a_hidden_sheet_is_not_read_and_a_warning_names_it(tmp_path: Path) -> None:
    hidden = [TOURISM_HEADER, *tourism_rows(2, start=50, period="2024-02")]
    visible = [["2024年3月旅游收入情况表"], TOURISM_HEADER, *tourism_rows(3)]
    data = xlsx([("2月", hidden, "hidden"), ("3月", visible, "")])
    con, ledger = deliver(tmp_path, "tourism_revenue", "3月旅游收入.xlsx", data)
    assert ledger["status"] == "accepted", ledger["message_en"]
    assert typed(con, "tourism_revenue", "row_number, area, revenue_wan") == [
        (3, "景区00", D("100.0000")),
        (4, "景区01", D("101.0000")),
        (5, "景区02", D("102.0000")),
    ]
    assert "Hidden sheet(s) '2月' were not read" in ledger["warnings_en"]
    assert "隐藏的工作表“2月”未读取" in ledger["warnings_zh"]


def test_a_hidden_sheet_of_an_xls_is_not_read_and_a_warning_names_it(tmp_path: Path) -> None:
    data = xls([("3月", [TOURISM_HEADER, *tourism_rows(3)], 0),
                ("备份", [TOURISM_HEADER, *tourism_rows(4, start=20)], 1)])  # fmt: skip
    con, ledger = deliver(tmp_path, "tourism_revenue", "3月旅游收入.xls", data)
    assert ledger["status"] == "accepted", ledger["message_en"]
    assert [a for (a,) in typed(con, "tourism_revenue", "area")] == ["景区00", "景区01", "景区02"]
    assert "隐藏的工作表“备份”未读取" in ledger["warnings_zh"]


def test_a_workbook_whose_only_template_sheet_is_hidden_is_refused_naming_it(
    tmp_path: Path,
) -> None:
    data = xlsx([("填报说明", [["请按模板填报"], ["单位：万元"]], ""),
                 ("数据", [TOURISM_HEADER, *tourism_rows(3)], "very")])  # fmt: skip
    con, ledger = deliver(tmp_path, "tourism_revenue", "3月旅游收入.xlsx", data)
    assert ledger["status"] == "rejected"
    assert "The template header is only on hidden sheet(s) '数据'" in ledger["message_en"]
    assert "模板表头只出现在隐藏的工作表“数据”中，隐藏的工作表不予读取" in ledger["message_zh"]
    assert "取消隐藏" in ledger["message_zh"]
    (rows,) = con.execute("select count(*) from raw.tourism_revenue").fetchone()
    assert rows == 0


def test_monthly_tabs_with_data_are_refused_naming_the_sheets(tmp_path: Path) -> None:
    data = xlsx([("8月", [TOURISM_HEADER, *tourism_rows(3, period="2024-08")], ""),
                 ("9月", [TOURISM_HEADER, *tourism_rows(3, period="2024-09")], "")])  # fmt: skip
    con, ledger = deliver(tmp_path, "tourism_revenue", "8-9月旅游收入.xlsx", data)
    assert ledger["status"] == "rejected"
    assert (
        "Sheets '8月', '9月' of the workbook all carry the template header with data rows"
        in (ledger["message_en"])
    )
    assert "工作簿中“8月”“9月”等多个工作表都有模板表头和数据行" in ledger["message_zh"]
    assert "请每个月份（报告期）单独报送一个文件，或只保留一个工作表" in ledger["message_zh"]
    (rows,) = con.execute("select count(*) from raw.tourism_revenue").fetchone()
    assert rows == 0


def test_monthly_tabs_of_an_xls_are_refused_naming_the_sheets(tmp_path: Path) -> None:
    data = xls([("一季度", [TOURISM_HEADER, *tourism_rows(2, period="2024-03")], 0),
                ("二季度", [TOURISM_HEADER, *tourism_rows(2, period="2024-06")], 0)])  # fmt: skip
    _, ledger = deliver(tmp_path, "tourism_revenue", "旅游收入.xls", data)
    assert ledger["status"] == "rejected"
    assert "工作簿中“一季度”“二季度”等多个工作表都有模板表头和数据行" in ledger["message_zh"]


def test_an_unused_copy_of_the_template_is_named_in_a_warning_not_refused(
    tmp_path: Path,
) -> None:
    """The clerk copied the template for next month: header, an empty 合计 row and the footer,
    no data. The filled sheet is read; the copy is named."""
    empty = [["2024年9月旅游收入情况表"], TOURISM_HEADER, ["合计", None, Formula("SUM(C3:C3)", 0)],
             ["填报人：", None, "联系电话："]]  # fmt: skip
    data = saved_by_excel(
        xlsx(
            [("8月", [TOURISM_HEADER, *tourism_rows(3, period="2024-08")], ""), ("9月", empty, "")]
        )  # fmt: skip
    )
    con, ledger = deliver(tmp_path, "tourism_revenue", "8月旅游收入.xlsx", data)
    assert ledger["status"] == "accepted", ledger["message_en"]
    assert typed(con, "tourism_revenue", "period, area") == [
        (dt.date(2024, 8, 1), "景区00"),
        (dt.date(2024, 8, 1), "景区01"),
        (dt.date(2024, 8, 1), "景区02"),
    ]
    assert "Sheet(s) '9月' carry the template header but no data rows" in ledger["warnings_en"]
    assert "工作表“9月”只有模板表头、没有数据行，未读取" in ledger["warnings_zh"]


# ---------------------------------------------------------------------------------------------
# Both validation engines read the cell rules alike
# ---------------------------------------------------------------------------------------------


def test_both_engines_flag_the_same_cells(tmp_path: Path) -> None:
    """The compiled SQL engine and GX's own pandas engine flag the same rows, rules and values
    for error cells, uncalculated formulas, percent cells in amounts and lost digits."""
    settings = settings_for(tmp_path)
    tourism = settings.landing / "tourism_revenue" / "culture_tourism"
    registrations = settings.landing / "enterprise_registrations" / "market_regulation"
    tourism.mkdir(parents=True)
    registrations.mkdir(parents=True)
    (tourism / "errors.xls").write_bytes(
        xls([("3月", [TOURISM_HEADER, *tourism_rows(14), *error_rows()], 0)])
    )
    formulas = [TOURISM_HEADER, *tourism_rows(8, start=30)]
    formulas += [["2024-03", "冰雪大世界", 5000, Formula("C10/10")],
                 ["2024-03", "太阳岛", 800, Number(0.5, "0.0%")]]  # fmt: skip
    (tourism / "formulas.xlsx").write_bytes(xlsx([("3月", formulas, "")]))
    lost = [REGISTRATION_HEADER, *[registration(n) for n in range(10)]]
    lost.append(["2024-03", Number(LOST), "哈尔滨冰雪科技有限公司", "新登记", "2024-03-06"])
    (registrations / "lost.xlsx").write_bytes(xlsx([("登记", lost, "")]))
    con = duckdb.connect()
    prepare(con)
    rules_flagged = set()
    for feed in ("tourism_revenue", "enterprise_registrations"):
        ids = [s.submission_id for s in receive_feed(con, settings.landing, settings.archive, feed)]
        engines = []
        for engine in ("duckdb", "gx"):
            validate_submissions(con, feed, ids, engine)
            engines.append(con.execute("select * from suite_findings order by all").fetchall())
        assert engines[0] == engines[1], feed
        rules = load_rules(feed)
        rules_flagged |= {rules[e].rule for _, _, e, _ in engines[0]}
    assert {"cell_error", "formula_not_calculated", "percent_not_the_unit",
            "number_lost_digits"} <= rules_flagged  # fmt: skip


def test_a_template_copy_still_holding_its_example_row_is_an_unused_copy(tmp_path: Path) -> None:
    """9月 is a fresh copy of the template from `workplan templates`: its example row (示例…)
    is no data, so the workbook is read from 8月 and 9月 is named in a warning."""
    example = [example_value(c) for c in load_contract("tourism_revenue").columns]
    assert "示例" in example[1]
    data = xlsx([("8月", [TOURISM_HEADER, *tourism_rows(2, period="2024-08")], ""),
                 ("9月", [TOURISM_HEADER, example], "")])  # fmt: skip
    con, ledger = deliver(tmp_path, "tourism_revenue", "8月旅游收入.xlsx", data)
    assert ledger["status"] == "accepted", ledger["message_en"]
    assert typed(con, "tourism_revenue", "area") == [("景区00",), ("景区01",)]
    assert "工作表“9月”只有模板表头、没有数据行，未读取" in ledger["warnings_zh"]


def test_an_empty_hidden_helper_sheet_is_not_worth_a_warning(tmp_path: Path) -> None:
    """A writer's own hidden sheet with nothing in it (drop-down lists kept elsewhere) is no
    sheet the clerk filled: the file is accepted without a word."""
    data = xlsx([("3月", [TOURISM_HEADER, *tourism_rows(2)], ""), ("_lists", [], "very")])
    con, ledger = deliver(tmp_path, "tourism_revenue", "3月旅游收入.xlsx", data)
    assert ledger["status"] == "accepted", ledger["message_en"]
    assert (ledger["warnings_en"], ledger["warnings_zh"]) == (None, None)
    assert typed(con, "tourism_revenue", "area") == [("景区00",), ("景区01",)]


def test_the_sql_engines_substring_guard_never_drops_a_match() -> None:
    """The compiled rule tests a plain substring before the regex; whatever a regex matches
    holds one of the texts it is guarded by, for the cell rules and for trickier shapes."""
    samples = ["#DIV/0!", "#N/A", "公式未计算：=C3/10", "9.14403E+17", "1e+20", "50%", "50％ ",
               "ac", "abc", "bbc", "xxy", "d", "12", "", "E+", "+"]  # fmt: skip
    regexes = [
        r"^#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!)$",
        r"^公式未计算：",
        r"^[0-9](?:\.[0-9]+)?[Ee]\+[0-9]+$",
        r"[%％] *$",
        r"ab?c",
        r"a+bc",
        r"x{2}y",
        r"[abc]?d",
    ]
    for regex in regexes:
        texts = required_texts(regex)
        assert texts, regex
        for sample in samples:
            if re.search(regex, sample):
                assert any(text in sample for text in texts), (regex, sample, texts)
    assert required_texts(r"^=|x") is None  # a top-level | : nothing is required
    assert required_texts(r"(?i)abc") is None  # flags change what matches
