"""Files as departments really send them load to the same typed rows as the clean template.

Tier: functions on small data, through the real ingestion path. Each file is built here the way
a clerk's Excel or export produces it, dropped in a landing folder, received by
`pipelines.store.ingest.receive_feed` into a fresh DuckDB prepared by
`pipelines.store.ingest.prepare`, and read back from `staging.<feed>_typed`. Every messy file
must give the same typed rows as its clean equivalent (the template's CSV), and those rows are
checked against values worked out by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from pipelines.cli import main
from pipelines.files.contracts import FEEDS, load_contract
from pipelines.files.headers import HeaderMatch
from pipelines.files.reading import load_file
from pipelines.store.ingest import prepare, receive_feed
from pipelines.store.warehouse import run_sql
from tests.helpers import settings_for

D = Decimal
MARCH = dt.date(2024, 3, 1)
SENDERS = {
    "projects": "investment",
    "enterprise_registrations": "market_regulation",
    "headline_statistics": "statistics",
    "tourism_revenue": "culture_tourism",
    "school_places": "education",
}
Writer = Callable[[Path], None]

# The investment bureau's March register in the template's own form (the clean equivalent).
PROJECTS = [
    {
        "period": "2024-03",
        "project_code": "ZS-1",
        "project_name": "冰雪装备产业园",
        "project_type": "招商引资",
        "signed_on": "2024-03-05",
        "contracted_amount_wan": "1234.5",
    },
    {
        "period": "2024-03",
        "project_code": "ZS-2",
        "project_name": "生物医药产业园",
        "project_type": "招商引资",
        "signed_on": "2024-03-18",
        "contracted_amount_wan": "80",
    },
]
PROJECT_COLUMNS = ("period", "project_code", "signed_on", "contracted_amount_wan")
PROJECTS_TYPED = [
    (MARCH, "ZS-1", dt.date(2024, 3, 5), D("1234.5")),
    (MARCH, "ZS-2", dt.date(2024, 3, 18), D("80")),
]
PROJECT_HEADER = ["报告期", "项目编号", "项目名称", "项目类别", "签约日期", "协议引资额"]
# The development and reform bureau's key projects: planned and completed investment.
KEY = [
    {
        "period": "2024-03",
        "project_code": code,
        "project_name": name,
        "project_type": "省市重点",
        "planned_annual_investment_wan": planned,
        "completed_investment_ytd_wan": completed,
    }
    for code, name, planned, completed in [
        ("ZD-1", "松北道路工程", "5000", "1234.5"),
        ("ZD-2", "利民管廊工程", "800", "0"),
    ]
]
KEY_COLUMNS = ("project_code", "planned_annual_investment_wan", "completed_investment_ytd_wan")
KEY_TYPED = [("ZD-1", D("5000"), D("1234.5")), ("ZD-2", D("800"), D("0"))]
HEADLINE = [
    {
        "period": "2024-03",
        "metric_code": "gdp",
        "metric_name": "地区生产总值",
        "value_ytd": "190.52",
        "unit": "亿元",
        "growth_pct": "6.3",
    },
    {
        "period": "2024-03",
        "metric_code": "retail_sales",
        "metric_name": "社会消费品零售总额",
        "value_ytd": "88.1",
        "unit": "亿元",
        "growth_pct": "-1.5",
    },
]
HEADLINE_COLUMNS = ("period", "metric_code", "value_ytd", "growth_pct")
HEADLINE_TYPED = [
    (MARCH, "gdp", D("190.52"), D("6.3")),
    (MARCH, "retail_sales", D("88.1"), D("-1.5")),
]
HEADLINE_HEADER = ["报告期", "指标代码", "指标名称", "本期累计值", "计量单位", "累计同比增长"]


def warehouse(root: Path, feed: str, name: str, write: Writer) -> duckdb.DuckDBPyConnection:
    """Drop one file from the feed's sender and receive it into a fresh in-memory warehouse."""
    settings = settings_for(root)
    path = settings.landing / feed / SENDERS[feed] / name
    path.parent.mkdir(parents=True)
    write(path)
    con = duckdb.connect()
    prepare(con)
    [submission] = receive_feed(con, settings.landing, settings.archive, feed)
    assert submission.status == "received", submission.message_en
    return con


def typed(con: duckdb.DuckDBPyConnection, feed: str) -> list[dict]:
    """The typed rows, sorted, without submission and row number (which differ with layout).

    The periods the ledger recorded for the file are the typed rows' periods.
    """
    cursor = con.execute(
        # The typed values only: the text as received beside them differs by design.
        f"select * exclude (submission_id, row_number) not like '%\\_\\_text' escape '\\' "
        f"from staging.{feed}_typed order by all"
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    (periods,) = con.execute(
        "select list(period order by period) from ledger.submission_periods"
    ).fetchone()
    assert (periods or []) == sorted({r["period"] for r in rows if r["period"]})
    return rows


def receive(root: Path, feed: str, name: str, write: Writer) -> list[dict]:
    """One file's typed rows, as staging reads them."""
    return typed(warehouse(root, feed, name, write), feed)


def clean_csv(feed: str, rows: list[dict[str, str]]) -> Writer:
    """The template's CSV: the contract's headers, one row per record, UTF-8."""
    columns = load_contract(feed).columns

    def write(path: Path) -> None:
        lines = [",".join(c.header_zh for c in columns)]
        lines += [",".join(row.get(c.name, "") for c in columns) for row in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    return write


def text_file(text: str, encoding: str = "utf-8") -> Writer:
    """A CSV written byte for byte as given."""
    return lambda path: path.write_bytes(text.encode(encoding))


def workbook(
    rows: list[list[object]],
    merges: tuple[tuple[int, int, int, int], ...] = (),
    before: tuple[tuple[str, list[list[object]]], ...] = (),
) -> Writer:
    """A workbook whose last sheet holds `rows` (numbers as numbers, dates as Excel dates) after
    the sheets `before`; each merge spans (first_row, first_col, last_row, last_col)."""

    def write(path: Path) -> None:
        book = xlsxwriter.Workbook(str(path))
        iso = book.add_format({"num_format": "yyyy-mm-dd"})
        for name, cells in (*before, ("报表", rows)):
            sheet = book.add_worksheet(name)
            for r, row in enumerate(cells):
                for c, value in enumerate(row):
                    if isinstance(value, dt.date):
                        sheet.write_datetime(r, c, value, iso)
                    elif isinstance(value, int | float):
                        sheet.write_number(r, c, value)
                    elif value:
                        sheet.write_string(r, c, value)
            if name == "报表":
                for first_row, first_col, last_row, last_col in merges:
                    value = cells[first_row][first_col]
                    sheet.merge_range(first_row, first_col, last_row, last_col, value)
        book.close()

    return write


def picked(rows: list[dict], columns: tuple[str, ...]) -> list[tuple]:
    return [tuple(row[c] for c in columns) for row in rows]


@pytest.fixture
def clean_projects(tmp_path: Path) -> list[dict]:
    rows = receive(tmp_path / "clean", "projects", "招商.csv", clean_csv("projects", PROJECTS))
    assert picked(rows, PROJECT_COLUMNS) == PROJECTS_TYPED
    return rows


@pytest.fixture
def clean_key_projects(tmp_path: Path) -> list[dict]:
    rows = receive(tmp_path / "clean", "projects", "重点.csv", clean_csv("projects", KEY))
    assert picked(rows, KEY_COLUMNS) == KEY_TYPED
    return rows


@pytest.fixture
def clean_headline(tmp_path: Path) -> list[dict]:
    write = clean_csv("headline_statistics", HEADLINE)
    rows = receive(tmp_path / "clean", "headline_statistics", "指标.csv", write)
    assert picked(rows, HEADLINE_COLUMNS) == HEADLINE_TYPED
    return rows


def project_rows(*values: tuple[object, ...]) -> list[list[object]]:
    """PROJECT_HEADER columns for ZS-1 and ZS-2, the dates and amounts as given."""
    names = [("ZS-1", "冰雪装备产业园"), ("ZS-2", "生物医药产业园")]
    return [
        ["2024-03", code, name, "招商引资", signed, amount]
        for (code, name), (signed, amount) in zip(names, values, strict=True)
    ]


def project_csv(*values: tuple[str, str], header: list[str] = PROJECT_HEADER) -> str:
    rows = [header, *project_rows(*values)]
    return "".join(",".join(str(cell) for cell in row) + "\n" for row in rows)


def test_title_and_note_rows_above_the_header(tmp_path: Path, clean_projects) -> None:
    rows = [
        ["哈尔滨新区2024年3月招商引资项目情况表"],
        ["单位：万元", "", "", "", "", "制表日期：2024年4月5日"],
        [],
        PROJECT_HEADER,
        *project_rows(("2024-03-05", 1234.5), ("2024-03-18", 80)),
    ]
    messy = receive(tmp_path, "projects", "招商.xlsx", workbook(rows, merges=((0, 0, 0, 5),)))
    assert messy == clean_projects


def test_two_row_header_under_a_parent(tmp_path: Path, clean_key_projects) -> None:
    # 投资额 spans 计划 and 完成 (left blank after its first column, as a CSV export of a merge).
    text = (
        "报告期,项目编号,项目名称,项目类别,投资额（万元）,\n"
        ",,,,计划,完成\n"
        "2024-03,ZD-1,松北道路工程,省市重点,5000,1234.5\n"
        "2024-03,ZD-2,利民管廊工程,省市重点,800,0\n"
    )
    assert receive(tmp_path, "projects", "重点.csv", text_file(text)) == clean_key_projects


def test_merged_header_and_period_merged_down_the_rows(tmp_path: Path, clean_key_projects) -> None:
    rows = [
        ["序号", "报告期", "项目编号", "项目名称", "项目类别", "投资额（万元）", ""],
        ["", "", "", "", "", "计划", "完成"],
        [1, "2024-03", "ZD-1", "松北道路工程", "省市重点", 5000, 1234.5],
        [2, "", "ZD-2", "利民管廊工程", "省市重点", 800, 0],
    ]
    # Every header cell but 投资额's merged down a row, 投资额 across two; 报告期 down the data.
    merges = (*((0, c, 1, c) for c in range(5)), (0, 5, 0, 6), (2, 1, 3, 1))
    messy = receive(tmp_path, "projects", "重点.xlsx", workbook(rows, merges))
    assert messy == clean_key_projects


def test_a_figure_merged_down_two_rows_is_refused_naming_the_cells(tmp_path: Path) -> None:
    """One project in two rows with its 计划 merged over both: filled into each row as a
    报告期 is, it would count twice. The file is refused, naming the rows and the column; the
    same rows with the figure in one row and the other left empty are received."""
    rows = [
        ["报告期", "项目编号", "项目名称", "项目类别", "年度计划投资", "本年完成投资"],
        ["2024-03", "ZD-1", "松北道路工程（一期）", "省市重点", 5000, 1234.5],
        ["2024-03", "ZD-2", "松北道路工程（二期）", "省市重点", "", 100],
    ]
    settings = settings_for(tmp_path)
    path = settings.landing / "projects" / SENDERS["projects"] / "重点.xlsx"
    path.parent.mkdir(parents=True)
    workbook(rows, ((1, 4, 2, 4),))(path)
    con = duckdb.connect()
    prepare(con)
    [refused] = receive_feed(con, settings.landing, settings.archive, "projects")
    assert refused.status == "rejected"
    assert refused.message_en.startswith(
        "Rows 2 to 3 of column E (年度计划投资) are one merged cell: its figure would count once "
        "for each of those rows."
    )
    (chinese,) = con.execute(
        "select message_zh from ledger.submissions where submission_id = ?",
        [refused.submission_id],
    ).fetchone()
    assert chinese.startswith("第2至3行的E列（年度计划投资）是合并单元格")
    # 报告期 merged down the same rows is filled into each, as before.
    plain = receive(tmp_path / "unmerged", "projects", "重点.xlsx", workbook(rows, ((1, 0, 2, 0),)))
    assert [(r["project_code"], r["planned_annual_investment_wan"]) for r in plain] == [
        ("ZD-1", Decimal("5000")),
        ("ZD-2", None),
    ]


def test_rows_hidden_in_excel_are_read_with_a_warning_naming_them(tmp_path: Path) -> None:
    """A scenic area hidden by hand and one filtered out are still in the file: read as data,
    and the receipt says so by row, so a clerk who meant them out can tell."""
    settings = settings_for(tmp_path)
    path = settings.landing / "tourism_revenue" / SENDERS["tourism_revenue"] / "9月.xlsx"
    path.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("报表")
    rows = [["报告期", "景区或类别", "接待游客", "旅游收入"], ["2024-09", "太阳岛", 1000, 100],
            ["2024-09", "冰雪大世界（已闭园）", 9000, 900], ["2024-09", "伏尔加庄园", 2000, 200],
            ["2024-09", "东北虎林园", 700, 70]]  # fmt: skip
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    sheet.set_row(2, None, None, {"hidden": True})  # Excel row 3
    sheet.set_row(4, None, None, {"hidden": True})  # Excel row 5, as a filter leaves it
    book.close()
    con = duckdb.connect()
    prepare(con)
    [received] = receive_feed(con, settings.landing, settings.archive, "tourism_revenue")
    assert received.status == "received"
    warnings = con.execute("select warnings_zh from ledger.submissions").fetchone()[0]
    assert warnings == (
        "第 3、5 行在 Excel 中被隐藏（或被筛选隐藏），但有数据，已按数据读取；如不应报送，"
        "请删除这些行后重新报送。"
    )
    (areas,) = con.execute("select count(*) from raw.tourism_revenue").fetchone()
    assert areas == 4


def test_blank_rows_and_columns(tmp_path: Path, clean_projects) -> None:
    text = (
        ",报告期,项目编号,项目名称,,项目类别,签约日期,协议引资额\n"
        ",,,,,,,\n"
        ",2024-03,ZS-1,冰雪装备产业园,,招商引资,2024-03-05,1234.5\n"
        "\n"
        ",2024-03,ZS-2,生物医药产业园,,招商引资,2024-03-18,80\n"
        ",,,,,,,\n"
    )
    assert receive(tmp_path, "projects", "招商.csv", text_file(text)) == clean_projects


def test_total_row_is_left_out_and_checked_against_the_rows(tmp_path: Path, clean_projects) -> None:
    # The rows add up to 1314.5; the clerk's 合计 says 1324.5.
    text = project_csv(("2024-03-05", "1234.5"), ("2024-03-18", "80")) + "合　计,,,,,1324.5\n"
    assert receive(tmp_path, "projects", "招商.csv", text_file(text)) == clean_projects
    con = duckdb.connect()
    run_sql(con, "setup/parsers")
    path = tmp_path / "landing" / "projects" / "investment" / "招商.csv"
    match = load_file(con, path, load_contract("projects"), "landed")
    assert match.warnings == [
        (
            "Row 4 (合计) gives 1324.5 for 协议引资额, but the detail rows add up to 1314.5; "
            "check the total or the rows above it.",
            "第4行合计的“协议引资额”为 1324.5，但明细行相加为 1314.5；请核对合计数或明细数据。",
        )
    ]
    path.write_text(text.replace("1324.5", '"1,314.50"'), encoding="utf-8")
    assert load_file(con, path, load_contract("projects"), "landed").warnings == []


def test_footer_lines_are_metadata_not_rows(tmp_path: Path, clean_projects) -> None:
    rows = [
        ["填报单位：哈尔滨新区投资促进局"],
        PROJECT_HEADER,
        *project_rows(("2024-03-05", 1234.5), ("2024-03-18", 80)),
        [],
        ["填报人：张三    联系电话：0451-58761234", "", "审核人：", "李四"],
        ["填报日期：2024年4月5日"],
    ]
    messy = receive(tmp_path, "projects", "招商.xlsx", workbook(rows))
    assert messy == clean_projects
    con = duckdb.connect()
    run_sql(con, "setup/parsers")
    path = tmp_path / "landing" / "projects" / "investment" / "招商.xlsx"
    match: HeaderMatch = load_file(con, path, load_contract("projects"), "landed")
    assert match.metadata == {
        "填报单位": "哈尔滨新区投资促进局",
        "填报人": "张三",
        "联系电话": "0451-58761234",
        "审核人": "李四",
        "填报日期": "2024年4月5日",
    }
    assert match.title is None  # the only line above the header is a labelled one


def test_sheet_is_found_by_its_headers_among_several(tmp_path: Path, clean_projects) -> None:
    before = (
        ("封面", [["哈尔滨新区招商引资情况"], ["报告期：2024年3月"]]),
        ("填表说明", [["中文表头", "说明"], ["报告期", "月份"], ["项目编号", "编号"]]),
    )
    rows = [PROJECT_HEADER, *project_rows(("2024-03-05", 1234.5), ("2024-03-18", 80))]
    assert receive(tmp_path, "projects", "招商.xlsx", workbook(rows, before=before)) == (
        clean_projects
    )


def test_legacy_xls_workbook(tmp_path: Path, clean_projects) -> None:
    xlwt = pytest.importorskip("xlwt", reason="xlwt (writes .xls) is not a project dependency")

    def write(path: Path) -> None:
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("招商引资")
        iso = xlwt.easyxf(num_format_str="yyyy-mm-dd")
        sheet.write(0, 0, "哈尔滨新区2024年3月招商引资情况表")
        for c, header in enumerate(PROJECT_HEADER):
            sheet.write(2, c, header)
        for r, row in enumerate(
            project_rows((dt.date(2024, 3, 5), 1234.5), (dt.date(2024, 3, 18), 80)), 3
        ):
            for c, value in enumerate(row):
                sheet.write(
                    r, c, value, iso if isinstance(value, dt.date) else xlwt.Style.default_style
                )
        book.save(str(path))

    assert receive(tmp_path, "projects", "招商.xls", write) == clean_projects


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_gbk_and_bom_csv_with_a_title_row(tmp_path: Path, clean_projects, encoding: str) -> None:
    text = "哈尔滨新区2024年3月招商引资情况表,,,\n" + project_csv(
        ("2024-03-05", "1234.5"), ("2024-03-18", "80")
    )
    assert receive(tmp_path, "projects", "招商.csv", text_file(text, encoding)) == clean_projects


def test_excel_csv_export_with_every_row_as_wide_as_the_table(
    tmp_path: Path, clean_projects
) -> None:
    # Excel pads each row of a CSV export to the table's width, so title, blank, 合计 and footer
    # rows all have six cells, and ends lines with \r\n: DuckDB reads such a file itself.
    rows = [
        ["哈尔滨新区2024年3月招商引资情况表", "", "", "", "", ""],
        PROJECT_HEADER,
        *project_rows(("2024-03-05", "1234.5"), ("2024-03-18", "80")),
        [""] * 6,
        ["合计", "", "", "", "", "1314.5"],
        ["填报人：张三", "联系电话：0451-58761234", "", "", "", ""],
    ]
    text = "".join(",".join(row) + "\r\n" for row in rows)
    assert receive(tmp_path, "projects", "招商.csv", text_file(text, "gbk")) == clean_projects
    con = duckdb.connect()
    run_sql(con, "setup/parsers")
    path = tmp_path / "landing" / "projects" / "investment" / "招商.csv"
    match = load_file(con, path, load_contract("projects"), "landed")
    assert match.metadata == {"填报人": "张三", "联系电话": "0451-58761234"}
    assert (match.title, match.warnings) == ("哈尔滨新区2024年3月招商引资情况表", [])


def test_full_width_digits_and_punctuation(tmp_path: Path, clean_projects) -> None:
    text = project_csv(
        ("２０２４年３月５日", "１２３４．５"), ("２０２４－０３－１８", "８０")
    ).replace("2024-03,ZS-1", "２０２４－０３,ZS-1")
    assert receive(tmp_path, "projects", "招商.csv", text_file(text)) == clean_projects


def test_thousands_separators_and_numbers_stored_as_text(tmp_path: Path) -> None:
    text = project_csv(("2024-03-05", '"1,234.5"'), ("2024-03-18", '"１，２３４．５"'))
    rows = receive(tmp_path, "projects", "招商.csv", text_file(text))
    assert [r["contracted_amount_wan"] for r in rows] == [D("1234.5"), D("1234.5")]
    # Numbers a workbook stores as text cells read the same as number cells.
    book = workbook(
        [PROJECT_HEADER, *project_rows(("2024-03-05", "1,234.5"), ("2024-03-18", "80"))]
    )
    rows = receive(tmp_path / "xlsx", "projects", "招商.xlsx", book)
    assert [r["contracted_amount_wan"] for r in rows] == [D("1234.5"), D("80")]


def test_leading_apostrophes_on_numbers_and_codes(tmp_path: Path) -> None:
    code = "91230109MA1C2H8Q0D"
    text = (
        "报告期,统一社会信用代码,企业名称,事项类型,事项日期\n"
        f"'2024-03,'{code},哈尔滨示例科技有限公司,新登记,'2024-03-05\n"
    )
    clean = {
        "period": "2024-03",
        "credit_code": code,
        "enterprise_name": "哈尔滨示例科技有限公司",
        "event_type": "新登记",
        "event_date": "2024-03-05",
    }
    feed = "enterprise_registrations"
    messy = receive(tmp_path, feed, "登记.csv", text_file(text))
    assert messy == receive(tmp_path / "clean", feed, "登记.csv", clean_csv(feed, [clean]))
    assert picked(messy, ("period", "credit_code", "event_date")) == [
        (MARCH, code, dt.date(2024, 3, 5))
    ]
    amounts = project_csv(("2024-03-05", "'1234.5"), ("2024-03-18", "'80"))
    rows = receive(tmp_path / "amounts", "projects", "招商.csv", text_file(amounts))
    assert [r["contracted_amount_wan"] for r in rows] == [D("1234.5"), D("80")]


def test_percentages_and_negatives_in_parentheses(tmp_path: Path, clean_headline) -> None:
    text = (
        ",".join(HEADLINE_HEADER) + "\n"
        "2024-03,gdp,地区生产总值,190.52,亿元,6.3%\n"
        "2024-03,retail_sales,社会消费品零售总额,88.1,亿元,(1.5)\n"
    )
    messy = receive(tmp_path, "headline_statistics", "指标.csv", text_file(text))
    assert messy == clean_headline
    text = text.replace("(1.5)", "（１．５）").replace("6.3%", "6.3％")
    messy = receive(tmp_path / "full_width", "headline_statistics", "指标.csv", text_file(text))
    assert messy == clean_headline


def test_every_date_form(tmp_path: Path) -> None:
    forms = ["2024-03-05", "2024年3月5日", "2024.3.5", "2024/03/05", "20240305", "45356"]
    header = "报告期,项目编号,项目名称,项目类别,签约日期\n"
    text = header + "".join(
        f"2024-03,ZS-{n},项目{n},招商引资,{form}\n" for n, form in enumerate(forms, 1)
    )
    rows = receive(tmp_path, "projects", "招商.csv", text_file(text))
    assert [r["signed_on"] for r in rows] == [dt.date(2024, 3, 5)] * len(forms)


def test_excel_serial_dates_in_a_workbook(tmp_path: Path, clean_projects) -> None:
    # A date column formatted as General: Excel shows (and calamine reads) the serial number.
    rows = [PROJECT_HEADER, *project_rows((45356, 1234.5), (45369, 80))]
    assert receive(tmp_path, "projects", "招商.xlsx", workbook(rows)) == clean_projects
    # Outside 1990-2099 a number is not taken for a date: the row keeps no date.
    text = project_csv(("12345", "1234.5"), ("2024-03-18", "80"))
    rows = receive(tmp_path / "implausible", "projects", "招商.csv", text_file(text))
    assert [r["signed_on"] for r in rows] == [None, dt.date(2024, 3, 18)]


@pytest.mark.parametrize(
    ("title", "period"),
    [
        ("哈尔滨新区2024年1-3月主要经济指标", "1-3月"),
        ("主要经济指标", "2024年1-3月"),
        ("哈尔滨新区２０２４年一季度主要经济指标（2024年3月）", "3月"),
    ],
)
def test_cumulative_and_yearless_months(
    tmp_path: Path, clean_headline, title: str, period: str
) -> None:
    text = f"{title}\n" + "".join(
        ",".join(row) + "\n"
        for row in [HEADLINE_HEADER, *([period, *list(r.values())[1:]] for r in HEADLINE)]
    )
    messy = receive(tmp_path, "headline_statistics", "指标.csv", text_file(text))
    assert messy == clean_headline


def test_a_month_without_a_year_and_no_title_is_not_guessed(tmp_path: Path) -> None:
    text = ",".join(HEADLINE_HEADER) + "\n3月,gdp,地区生产总值,190.52,亿元,6.3\n"
    rows = receive(tmp_path, "headline_statistics", "指标.csv", text_file(text))
    assert [r["period"] for r in rows] == [None]  # validation rejects the row (month_format)


@pytest.mark.parametrize(
    ("unit", "amount", "wan"),
    [
        ("亿元", "0.12345", D("1234.5")),
        ("元", "12,345,000", D("1234.5")),
        ("万元", "1234.5", D("1234.5")),
    ],
)
def test_amounts_in_other_units_are_converted_in_the_typed_layer(
    tmp_path: Path, unit: str, amount: str, wan: D
) -> None:
    header = [*PROJECT_HEADER[:5], f"协议引资额（{unit}）"]
    text = project_csv(("2024-03-05", f'"{amount}"'), ("2024-03-18", "0"), header=header)
    con = warehouse(tmp_path, "projects", "招商.csv", text_file(text))
    assert [r["contracted_amount_wan"] for r in typed(con, "projects")] == [wan, D(0)]
    # Raw keeps the text as received; the unit and its factor are recorded per submission.
    raw = con.execute("select contracted_amount_wan from raw.projects order by row_number")
    assert raw.fetchall() == [(amount,), ("0",)]
    assert con.execute(
        "select header_found, unit_found, unit_factor from ledger.submission_columns "
        "where column_name = 'contracted_amount_wan'"
    ).fetchall() == [(header[-1], unit, wan / D(amount.replace(",", "")))]


def test_a_unit_line_above_the_table_applies_to_its_amounts(tmp_path: Path) -> None:
    text = "单位：亿元\n" + project_csv(("2024-03-05", "0.12345"), ("2024-03-18", "0.008"))
    rows = receive(tmp_path, "projects", "招商.csv", text_file(text))
    assert [r["contracted_amount_wan"] for r in rows] == [D("1234.5"), D("80")]


@pytest.mark.parametrize(
    ("text", "flag"),
    [("是", True), ("否", False), ("√", True), ("×", False), ("Y", True), ("n", False)]
    + [(" 是 ", True), ("yes", True), ("NO", False), ("也许", None), ("", None)],
)
def test_yes_no_answers(text: str, flag: bool | None) -> None:
    # No contract column is yes/no yet; the parser is there for the first that is.
    con = duckdb.connect()
    run_sql(con, "setup/parsers")
    assert con.execute("select parse_flag(?)", [text]).fetchone() == (flag,)


def test_templates_command_writes_templates_that_load_back(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["templates", "--out", str(tmp_path / "templates")])
    assert result.exit_code == 0, result.output
    paths = sorted((tmp_path / "templates").glob("*.xlsx"))
    assert len(paths) == len(FEEDS) == 6  # the five feeds and the plan
    for feed in FEEDS:
        contract = load_contract(feed)
        [path] = [p for p in paths if p.name.startswith(f"{feed}_")]
        sheets = CalamineWorkbook.from_path(str(path))
        assert sheets.sheet_names == [contract.title_zh, "填表说明"]
        header = sheets.get_sheet_by_index(0).to_python()[0]
        assert header == [c.header_zh for c in contract.columns]
        settings = settings_for(tmp_path / feed, plan=False)  # the template is the only file
        landed = settings.landing / feed / contract.departments[0] / path.name
        landed.parent.mkdir(parents=True)
        landed.write_bytes(path.read_bytes())
        con = duckdb.connect()
        prepare(con)
        [submission] = receive_feed(con, settings.landing, settings.archive, feed)
        # The template's only row is its example, which never loads: the file holds no data.
        # (tests/test_corpus_senders.py loads templates filled in beside the example.)
        assert (submission.status, submission.rows_read) == ("rejected", 0), feed
        assert "its only row is the template's example" in submission.message_en
