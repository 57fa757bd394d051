"""Corpus: template example rows, periods Excel cut short, who sent a file, CSV line endings.

Tier: functions on small data through the real path. Each file is built here as a clerk's Excel,
WPS or export makes it (xlsxwriter for workbooks, number cells included; raw bytes for CSV),
dropped in `landing/<feed>/<department>/`, received with `receive_feed` into a fresh DuckDB
prepared by `prepare`, validated with the feed's suite and recorded with `record_verdict`. Each
case asserts the exact typed values loaded (worked out by hand here) or the exact refusal words,
in English and in Chinese.

Issue 11 points: 3 (the template's example row never counts), 7 (2023.1 may be 2023.10),
8 (a file naming another department, or holding rows another department reports) and 9 (CSV
with CR-only or mixed line endings).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from pipelines.checks.credit_code import check_character
from pipelines.checks.validation import validate_submissions
from pipelines.files import csv_fast
from pipelines.files.contracts import FEEDS, load_contract
from pipelines.files.csv_reader import csv_records, raw_lines, take_head
from pipelines.files.templates import (
    example_marks,
    write_data_sheet,
    write_instructions_sheet,
    write_templates,
)
from pipelines.store.ingest import Submission, prepare, receive_feed
from pipelines.store.ledger import record_verdict
from tests.helpers import settings_for

D = Decimal
MARCH = dt.date(2024, 3, 1)
TOURISM_HEADER = "报告期,景区或类别,接待游客,旅游收入"
Writer = Callable[[Path], None]


def code(first17: str) -> str:
    """A valid unified social credit code from its first 17 characters."""
    return first17 + check_character(first17)


CODE_A = code("91230109MA1A00001")
CODE_B = code("91230109MA1A00002")
CODE_C = code("91230109MA1A00003")


class Desk:
    """One warehouse and landing folder: files are dropped, received, validated and recorded."""

    def __init__(self, root: Path) -> None:
        self.settings = settings_for(root)
        self.con = duckdb.connect()
        prepare(self.con)

    def drop(self, feed: str, department: str, name: str, content: bytes | Writer) -> Submission:
        path = self.settings.landing / feed / department / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            content(path)
        [submission] = receive_feed(self.con, self.settings.landing, self.settings.archive, feed)
        if submission.status == "received":
            verdicts = validate_submissions(self.con, feed, [submission.submission_id])
            for submission_id, verdict in verdicts.items():
                record_verdict(self.con, feed, submission_id, verdict)
        return submission

    def ledger(self, submission: Submission) -> dict:
        cursor = self.con.execute(
            "select * from ledger.submissions where submission_id = ?", [submission.submission_id]
        )
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))

    def rows(self, feed: str, columns: str, view: str = "staging") -> list[tuple]:
        """Typed rows of the feed: `staging.<feed>` (what counts) or its typed view (received)."""
        table = f"staging.{feed}" if view == "staging" else f"staging.{feed}_typed"
        return self.con.execute(f"select {columns} from {table} order by all").fetchall()

    def refused(self, submission: Submission) -> tuple[str, str]:
        row = self.ledger(submission)
        assert (row["status"], row["rows_read"]) == ("rejected", 0), row["message_en"]
        return row["message_en"], row["message_zh"]


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return Desk(tmp_path)


def csv_file(*lines: str, newline: str = "\r\n", encoding: str = "utf-8") -> bytes:
    """A CSV as Excel saves it: every line, the last too, ended by `newline`."""
    return "".join(line + newline for line in lines).encode(encoding)


def workbook(
    rows: list[list[object]], merges: tuple[tuple[int, int, int, int], ...] = ()
) -> Writer:
    """An .xlsx with `rows` from A1; numbers as number cells, the rest as text; merged ranges
    keep their first cell's value, as Excel does."""

    def write(path: Path) -> None:
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("Sheet1")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                elif value not in ("", None):
                    sheet.write_string(r, c, value)
        for first_row, first_col, last_row, last_col in merges:
            sheet.merge_range(
                first_row, first_col, last_row, last_col, rows[first_row][first_col] or ""
            )
        book.close()

    return write


def template_with(feed: str, rows: list[list[object]], example_at: int | None = 1) -> Writer:
    """The feed's own template (`workplan templates`), its example row left at row 2 (or, with
    `example_at`, moved to that 0-based row) and the clerk's rows written below the header."""

    def write(path: Path) -> None:
        contract = load_contract(feed)
        book = xlsxwriter.Workbook(str(path))
        write_data_sheet(book, contract)
        write_instructions_sheet(book, contract)
        sheet = book.worksheets()[0]
        first = 2 if example_at == 1 else 1
        for r, row in enumerate(rows, start=first):
            for c, value in enumerate(row):
                if isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
        book.close()

    return write


# ---------------------------------------------------------------------------------------------
# 3. The template's example row never counts
# ---------------------------------------------------------------------------------------------

EXAMPLE_AREA = "示例景区（请替换为景区名称）"
TOURISM_MARCH = csv_file(
    TOURISM_HEADER, "2024-03,太阳岛风景区,52000,3120.5", "2024-03,伏尔加庄园,8000,640"
)
MARCH_TOURISM = [
    ("culture_tourism", MARCH, "伏尔加庄园", 8000, D("640")),
    ("culture_tourism", MARCH, "太阳岛风景区", 52000, D("3120.5")),
]
STAGED = "department, period, area, visitors, revenue_wan"


def test_every_feed_template_marks_its_example_so_it_is_recognised() -> None:
    # Each feed's example row carries a name no real row has: what recognises it on receipt.
    marks = {feed: example_marks(load_contract(feed)) for feed in FEEDS}
    assert marks == {
        "projects": {"project_name": "哈尔滨新区示例产业园项目", "investor": "示例投资有限公司"},
        "enterprise_registrations": {"enterprise_name": "哈尔滨新区示例科技有限公司"},
        "tourism_revenue": {"area": EXAMPLE_AREA},
        "school_places": {"school_project": "哈尔滨新区示例小学校"},
        "headline_statistics": {"metric_name": "地区生产总值（示例）"},
        "plans": {"name_zh": "示例指标（请替换为指标名称）"},
    }


def test_template_filled_below_its_example_loads_the_clerks_rows_only(desk: Desk) -> None:
    rows = [["2024-03", "太阳岛风景区", 52000, 3120.5], ["2024-03", "伏尔加庄园", 8000, 640]]
    submission = desk.drop(
        "tourism_revenue",
        "culture_tourism",
        "旅游收入模板.xlsx",
        template_with("tourism_revenue", rows),
    )
    row = desk.ledger(submission)
    assert (row["status"], row["rows_read"]) == ("accepted", 2), row["message_en"]
    assert desk.rows("tourism_revenue", STAGED) == MARCH_TOURISM
    assert row["warnings_en"] == (
        f"Row(s) 2 still hold the template's example (景区或类别: {EXAMPLE_AREA}) and were not "
        "loaded."
    )
    assert row["warnings_zh"] == f"第2行仍是模板的示例行（景区或类别：{EXAMPLE_AREA}），未导入。"


NO_DATA_EN = (
    "The file holds no data: its only row is the template's example (示例), which is never "
    "loaded. Fill in the department's own figures (overwrite or delete the example row) and send "
    "the file again. Nothing from this file was loaded."
)
NO_DATA_ZH = (
    "文件没有数据：唯一的一行是模板示例行（含“示例”），示例行不会导入。请填写本单位数据"
    "（覆盖或删除示例行）后重新报送。本文件未导入任何数据。"
)


def test_untouched_template_after_march_is_refused_and_march_stays(desk: Desk) -> None:
    march = desk.drop("tourism_revenue", "culture_tourism", "2024年3月旅游收入.csv", TOURISM_MARCH)
    assert desk.ledger(march)["status"] == "accepted"
    # The clerk sends the template itself (its example row says 2024-03) as April's file.
    template = desk.drop(
        "tourism_revenue",
        "culture_tourism",
        "旅游收入情况表模板.xlsx",
        template_with("tourism_revenue", []),
    )
    assert desk.refused(template) == (NO_DATA_EN, NO_DATA_ZH)
    assert desk.rows("tourism_revenue", STAGED) == MARCH_TOURISM


def test_example_row_with_its_period_changed_exported_as_csv_never_supersedes(desk: Desk) -> None:
    first = csv_file(
        "报告期,指标代码,指标名称,本期累计值,计量单位,累计同比增长",
        "2024-03,gdp,地区生产总值,190.52,亿元,6.3",
        "2024-03,retail_sales,社会消费品零售总额,88.1,亿元,-1.5",
    )
    assert desk.drop("headline_statistics", "statistics", "3月指标.csv", first).status == "received"
    # Only the template's example, its period typed over with March, saved as CSV by WPS.
    example = csv_file(
        "报告期,指标代码,指标名称,本期累计值,计量单位,累计同比增长",
        "2024-03,gdp,地区生产总值（示例）,585.5,亿元,6.3",
    )
    refused = desk.drop("headline_statistics", "statistics", "2024年3月主要指标.csv", example)
    assert desk.refused(refused) == (NO_DATA_EN, NO_DATA_ZH)
    assert desk.rows("headline_statistics", "period, metric_code, value_ytd, growth_pct") == [
        (MARCH, "gdp", D("190.52"), D("6.3")),
        (MARCH, "retail_sales", D("88.1"), D("-1.5")),
    ]


def test_example_row_moved_to_the_end_and_redated_is_dropped(desk: Desk) -> None:
    rows = [
        ["报告期", "统一社会信用代码", "企业名称", "事项类型", "事项日期", "所属行业"],
        [
            "2024-03",
            CODE_A,
            "哈尔滨冰城科技有限公司",
            "新登记",
            "2024-03-05",
            "软件和信息技术服务业",
        ],
        [
            "2024-03",
            CODE_B,
            "哈尔滨松北物流有限公司",
            "新登记",
            "2024-03-18",
            "交通运输、仓储和邮政业",
        ],
        # The example, cut and pasted below the real rows, its dates changed to March.
        ["2024-03", "91230109MA1C2H8Q0D", "哈尔滨新区示例科技有限公司", "新登记", "2024-03-20", ""],
    ]
    submission = desk.drop(
        "enterprise_registrations", "market_regulation", "3月新登记.xlsx", workbook(rows)
    )
    row = desk.ledger(submission)
    assert (row["status"], row["rows_read"]) == ("accepted", 2), row["message_en"]
    assert desk.rows("enterprise_registrations", "period, credit_code, event_date") == [
        (MARCH, CODE_A, dt.date(2024, 3, 5)),
        (MARCH, CODE_B, dt.date(2024, 3, 18)),
    ]
    assert (
        row["warnings_zh"]
        == "第4行仍是模板的示例行（企业名称：哈尔滨新区示例科技有限公司），未导入。"
    )


def test_example_row_half_overwritten_is_refused_naming_the_example_cells(desk: Desk) -> None:
    rows = [
        ["报告期", "项目编号", "项目名称", "项目类别", "投资方", "签约日期", "协议引资额"],
        ["2024-03", "ZS-9", "冰雪装备产业园", "招商引资", "示例投资有限公司", "2024-03-05", 1234.5],
    ]
    submission = desk.drop("projects", "investment", "3月招商.xlsx", workbook(rows))
    assert desk.refused(submission) == (
        "Row 2 is the template's example row partly overwritten: column E (投资方) still hold(s) "
        "the example (示例) while 项目名称 hold(s) other values, so which of its cells are the "
        "department's cannot be told. Overwrite every cell of the row with the department's "
        "figures, or delete the row, and send the file again. Nothing from this file was loaded.",
        "第2行是部分改写的模板示例行：E 列（投资方）仍为示例内容（含“示例”），而项目名称已改为"
        "其他内容，无法判断哪些是本单位数据。请将该行全部改为本单位数据或删除该行后重新报送。"
        "本文件未导入任何数据。",
    )


# ---------------------------------------------------------------------------------------------
# 7. Periods Excel cut short: 2023.1 may be 2023.10
# ---------------------------------------------------------------------------------------------

OCTOBER = dt.date(2023, 10, 1)
TOURISM_COLUMNS = ["报告期", "景区或类别", "接待游客", "旅游收入"]


def tourism_book(title: str | None, period: object = 2023.1) -> Writer:
    """The bureau's workbook: an optional merged title, the period typed as a number."""
    rows = [[title, "", "", ""]] if title else []
    rows += [TOURISM_COLUMNS, [period, "太阳岛风景区", 52000, 3120.5]]
    return workbook(rows, merges=((0, 0, 0, 3),) if title else ())


def test_number_period_read_as_october_from_the_title(desk: Desk) -> None:
    book = tourism_book("2023年10月哈尔滨新区旅游收入情况表")
    submission = desk.drop("tourism_revenue", "culture_tourism", "旅游收入.xlsx", book)
    assert desk.ledger(submission)["status"] == "accepted", submission.message_en
    assert desk.rows("tourism_revenue", "period, area, visitors, revenue_wan", "typed") == [
        (OCTOBER, "太阳岛风景区", 52000, D("3120.5"))
    ]
    # The raw text stays as received.
    assert desk.con.execute("select period from raw.tourism_revenue").fetchall() == [("2023.1",)]


def test_number_period_read_as_january_from_the_file_name(desk: Desk) -> None:
    book = tourism_book(None)
    submission = desk.drop("tourism_revenue", "culture_tourism", "2023年1月旅游收入.xlsx", book)
    assert desk.ledger(submission)["status"] == "accepted", submission.message_en
    assert desk.rows("tourism_revenue", "period, revenue_wan", "typed") == [
        (dt.date(2023, 1, 1), D("3120.5"))
    ]


def test_number_period_with_nothing_to_settle_it_is_refused_naming_both_readings(
    desk: Desk,
) -> None:
    submission = desk.drop(
        "tourism_revenue", "culture_tourism", "旅游收入.xlsx", tourism_book(None)
    )
    assert desk.refused(submission) == (
        "Row(s) 2, column A (报告期): 2023.1 may be 2023-01 or 2023-10, because Excel shows the "
        "number 2023.10 as 2023.1 (it drops a trailing zero), and the file's title and name do "
        "not settle which month the file reports. Type the period as text (2023-10 or "
        "2023年10月, or 2023-01), or name the month in the title or the file name, and send the "
        "file again. Nothing from this file was loaded.",
        "第2行 A 列（报告期）为 2023.1：可能是2023年1月，也可能是2023年10月（Excel 会把数字 "
        "2023.10 末尾的 0 省略，显示为 2023.1），而文件标题和文件名不能确定所报月份。请将报告期"
        "按文本填写（如 2023-10 或 2023年10月、2023-01），或在标题或文件名中写明月份后重新报送。"
        "本文件未导入任何数据。",
    )


def test_title_and_name_disagreeing_on_the_month_is_refused(desk: Desk) -> None:
    book = tourism_book("2023年10月哈尔滨新区旅游收入情况表")
    submission = desk.drop("tourism_revenue", "culture_tourism", "2023年1月旅游收入.xlsx", book)
    english, chinese = desk.refused(submission)
    assert english.startswith("Row(s) 3, column A (报告期): 2023.1 may be 2023-01 or 2023-10")
    assert chinese.startswith("第3行 A 列（报告期）为 2023.1：可能是2023年1月，也可能是2023年10月")


HEADLINE_HEADER = "报告期,指标代码,指标名称,本期累计值,计量单位,累计同比增长"


def test_csv_saved_by_excel_with_2024_1_is_october_by_its_name(desk: Desk) -> None:
    # Excel wrote the number cell 2024.10 as 2024.1 when saving the CSV (GBK, CRLF).
    text = csv_file(
        HEADLINE_HEADER,
        "2024.1,gdp,地区生产总值,1580.2,亿元,6.1",
        "2024.1,retail_sales,社会消费品零售总额,702.4,亿元,7.0",
        encoding="gbk",
    )
    submission = desk.drop("headline_statistics", "statistics", "2024年10月主要经济指标.csv", text)
    assert desk.ledger(submission)["status"] == "accepted", submission.message_en
    assert desk.rows("headline_statistics", "period, metric_code, value_ytd", "typed") == [
        (dt.date(2024, 10, 1), "gdp", D("1580.2")),
        (dt.date(2024, 10, 1), "retail_sales", D("702.4")),
    ]


def test_cumulative_title_1_to_10_reports_october(desk: Desk) -> None:
    # A cumulative 1-10月 report is October's: its range's last month settles 2024.1.
    text = csv_file(
        "哈尔滨新区2024年1-10月主要经济指标",
        HEADLINE_HEADER,
        "2024.1,gdp,地区生产总值,1580.2,亿元,6.1",
    )
    submission = desk.drop("headline_statistics", "statistics", "主要经济指标.csv", text)
    assert desk.ledger(submission)["status"] == "accepted", submission.message_en
    assert desk.rows("headline_statistics", "period, value_ytd", "typed") == [
        (dt.date(2024, 10, 1), D("1580.2"))
    ]


def test_2023_11_and_2023_01_are_months_as_written(desk: Desk) -> None:
    text = csv_file(TOURISM_HEADER, "2023.11,太阳岛风景区,100,10", "2023.01,伏尔加庄园,50,5")
    submission = desk.drop("tourism_revenue", "culture_tourism", "旅游收入.csv", text)
    assert desk.ledger(submission)["status"] == "accepted", submission.message_en
    assert desk.rows("tourism_revenue", "period, area", "typed") == [
        (dt.date(2023, 1, 1), "伏尔加庄园"),
        (dt.date(2023, 11, 1), "太阳岛风景区"),
    ]


# ---------------------------------------------------------------------------------------------
# 8. Who sent it
# ---------------------------------------------------------------------------------------------

ENTERPRISE_COLUMNS = ["报告期", "统一社会信用代码", "企业名称", "事项类型", "事项日期"]


def enterprise_book(
    title: str, footer: str, kinds: tuple[str, ...] = ("新登记", "新登记")
) -> Writer:
    rows = [
        [title, "", "", "", ""],
        ENTERPRISE_COLUMNS,
        ["2024-03", CODE_A, "哈尔滨冰城科技有限公司", kinds[0], "2024-03-05"],
        ["2024-03", CODE_B, "哈尔滨松北物流有限公司", kinds[1], "2024-03-18"],
        [],
        [footer, "", "填报人：王丽", "", "联系电话：0451-58761234"],
    ]
    return workbook(rows, merges=((0, 0, 0, 4),))


def test_footer_naming_another_department_is_refused_naming_both(desk: Desk) -> None:
    book = enterprise_book("2024年3月新登记企业情况表", "填报单位：哈尔滨新区科技和工业信息化局")
    submission = desk.drop("enterprise_registrations", "market_regulation", "3月.xlsx", book)
    assert desk.refused(submission) == (
        "The file was dropped in the folder of 市场监督管理局 (market_regulation), but its "
        "填报单位 (哈尔滨新区科技和工业信息化局) names 科技和工业信息化局 (science_technology). "
        "A department sends only its own figures: if the file is 科技和工业信息化局 "
        "(science_technology)'s, drop it in enterprise_registrations/science_technology; if it "
        "is 市场监督管理局's, correct the 填报单位 and send it again. Nothing from this file was "
        "loaded.",
        "该文件放在“市场监督管理局”（market_regulation）的文件夹中，但其填报单位"
        "（哈尔滨新区科技和工业信息化局）写的是“科技和工业信息化局”。各单位只报送本单位数据："
        "如文件属于科技和工业信息化局，请放入 enterprise_registrations/science_technology "
        "文件夹；如属于市场监督管理局，请更正填报单位后重新报送。本文件未导入任何数据。",
    )


@pytest.mark.parametrize(
    ("footer", "label"),
    [
        ("报送单位：哈尔滨新区科技和工业信息化局", "报送单位"),
        ("填报单位（盖章）：哈尔滨新区科技和工业信息化局", "填报单位"),
        ("填表单位(公章)： 哈尔滨新区科技和工业信息化局", "填表单位"),
    ],
)
def test_a_sender_named_under_another_label_or_a_seal_note_is_refused_too(
    desk: Desk, footer: str, label: str
) -> None:
    """报送单位 and 填表单位 name the sender as 填报单位 does, and a seal note (（盖章）) between
    the label and its colon changes nothing: each footer names another department."""
    book = enterprise_book("2024年3月新登记企业情况表", footer)
    submission = desk.drop("enterprise_registrations", "market_regulation", "3月.xlsx", book)
    english, chinese = desk.refused(submission)
    assert f"but its {label} (哈尔滨新区科技和工业信息化局) names 科技和工业信息化局" in english
    assert f"但其{label}（哈尔滨新区科技和工业信息化局）写的是“科技和工业信息化局”" in chinese


def test_title_naming_another_department_by_its_short_name_is_refused(desk: Desk) -> None:
    rows = [
        ["哈尔滨新区发改局2024年3月省市重点项目推进情况表", "", "", "", "", ""],
        ["报告期", "项目编号", "项目名称", "项目类别", "年度计划投资", "本年完成投资"],
        ["2024-03", "ZD-1", "松北道路工程", "省市重点", 5000, 1234.5],
    ]
    book = workbook(rows, merges=((0, 0, 0, 5),))
    submission = desk.drop("projects", "investment", "3月重点项目.xlsx", book)
    english, chinese = desk.refused(submission)
    assert english.startswith(
        "The file was dropped in the folder of 投资促进局 (investment), but its title "
        "(哈尔滨新区发改局2024年3月省市重点项目推进情况表) names 发展和改革局 (development_reform)."
    )
    assert chinese.startswith(
        "该文件放在“投资促进局”（investment）的文件夹中，但其标题（哈尔滨新区发改局2024年3月省市重点"
        "项目推进情况表）写的是“发展和改革局”。"
    )


def test_own_department_by_short_name_is_accepted(desk: Desk) -> None:
    book = enterprise_book("2024年3月市场监管局新登记企业情况表", "填报单位：哈尔滨新区市场监管局")
    submission = desk.drop("enterprise_registrations", "market_regulation", "3月.xlsx", book)
    row = desk.ledger(submission)
    assert (row["status"], row["rows_read"]) == ("accepted", 2), row["message_en"]
    assert desk.rows("enterprise_registrations", "department, credit_code, event_type") == [
        ("market_regulation", CODE_A, "新登记"),
        ("market_regulation", CODE_B, "新登记"),
    ]


def test_rows_of_a_kind_the_department_does_not_report_are_refused(desk: Desk) -> None:
    # The market regulation bureau's register with two high-tech certifications pasted in.
    text = csv_file(
        "报告期,统一社会信用代码,企业名称,事项类型,事项日期",
        f"2024-03,{CODE_A},哈尔滨冰城科技有限公司,新登记,2024-03-05",
        f"2024-03,{CODE_B},哈尔滨松北物流有限公司,高企认定,2024-03-18",
        f"2024-03,{CODE_C},哈尔滨利民软件有限公司,高企认定,2024-03-20",
    )
    submission = desk.drop("enterprise_registrations", "market_regulation", "3月新登记.csv", text)
    assert desk.refused(submission) == (
        "Row(s) 3, 4 have 事项类型 (column D) 高企认定, which 市场监督管理局 (market_regulation) "
        "does not report: it reports 新登记. Rows of another department's kind are that "
        "department's to send; delete them (or drop the file in the folder of the department "
        "that reports them) and send it again. Nothing from this file was loaded.",
        "第3、4行的事项类型（D 列）为“高企认定”，不是本单位（市场监督管理局）报送的类型"
        "（本单位报送：新登记）。"
        "请删除这些行（或将文件放入报送该类型的单位的文件夹）后重新报送。本文件未导入任何数据。",
    )


def test_finance_sending_gdp_is_refused_naming_the_metric(desk: Desk) -> None:
    text = csv_file(
        HEADLINE_HEADER,
        "2024-03,budget_revenue,一般公共预算收入,12.6,亿元,6.2",
        "2024-03,GDP,地区生产总值,190.52,亿元,6.3",
    )
    submission = desk.drop("headline_statistics", "finance", "3月财政收入.csv", text)
    english, chinese = desk.refused(submission)
    assert english.startswith(
        "Row(s) 3 have 指标代码 (column B) gdp, which 财政局 (finance) does not report: it reports "
        "budget_revenue."
    )
    assert chinese.startswith(
        "第3行的指标代码（B 列）为“gdp”，不是本单位（财政局）报送的类型"
        "（本单位报送：budget_revenue）。"
    )


def test_every_kind_is_reported_by_exactly_one_of_the_feeds_departments() -> None:
    for feed in FEEDS:
        contract = load_contract(feed)
        if contract.sends_column is None:
            continue
        [column] = [c for c in contract.columns if c.name == contract.sends_column]
        senders = dict(contract.sends)
        assert set(senders) == set(contract.departments), feed
        kinds = [kind for department_kinds in senders.values() for kind in department_kinds]
        assert sorted(kinds) == sorted(column.allowed), feed


# ---------------------------------------------------------------------------------------------
# 9. CSV line endings as Excel writes them on every platform
# ---------------------------------------------------------------------------------------------


def test_mac_csv_with_cr_only_lines_reads_like_crlf(desk: Desk) -> None:
    # Excel for Mac, "CSV (Macintosh)": a title, a blank line, lines ended by a lone CR.
    text = csv_file(
        "哈尔滨新区2024年3月旅游收入情况表",
        "",
        TOURISM_HEADER,
        "2024-03,太阳岛风景区,52000,3120.5",
        "2024-03,伏尔加庄园,8000,640",
        newline="\r",
    )
    submission = desk.drop("tourism_revenue", "culture_tourism", "3月旅游.csv", text)
    assert desk.ledger(submission)["file_title"] == "哈尔滨新区2024年3月旅游收入情况表"
    assert desk.rows("tourism_revenue", "row_number, period, area, visitors, revenue_wan") == [
        (4, MARCH, "太阳岛风景区", 52000, D("3120.5")),
        (5, MARCH, "伏尔加庄园", 8000, D("640")),
    ]


def test_mac_csv_in_gbk_keeps_a_lone_cr_inside_a_quoted_cell(desk: Desk) -> None:
    text = csv_file(
        TOURISM_HEADER,
        '2024-03,"太阳岛\r风景区",52000,3120.5',
        "2024-03,伏尔加庄园,8000,640",
        newline="\r",
        encoding="gbk",
    )
    submission = desk.drop("tourism_revenue", "culture_tourism", "3月旅游.csv", text)
    assert desk.ledger(submission)["status"] == "accepted", submission.message_en
    assert desk.rows("tourism_revenue", "row_number, area, revenue_wan") == [
        (2, "太阳岛\r风景区", D("3120.5")),
        (4, "伏尔加庄园", D("640")),
    ]


def test_csv_pasted_from_crlf_and_lf_files_reads_every_row(desk: Desk) -> None:
    text = (
        f"{TOURISM_HEADER}\r\n2024-03,太阳岛风景区,52000,3120.5\r\n"
        "2024-03,伏尔加庄园,8000,640\n2024-03,金河湾湿地,1200,36.5\n"
    ).encode()
    submission = desk.drop("tourism_revenue", "culture_tourism", "3月旅游.csv", text)
    assert desk.ledger(submission)["status"] == "accepted", submission.message_en
    assert desk.rows("tourism_revenue", "row_number, area, visitors, revenue_wan") == [
        (2, "太阳岛风景区", 52000, D("3120.5")),
        (3, "伏尔加庄园", 8000, D("640")),
        (4, "金河湾湿地", 1200, D("36.5")),
    ]


def test_cr_only_csv_is_taken_by_duckdbs_fast_reader(tmp_path: Path) -> None:
    # The fast path counts a Mac file's lines by its CRs and tells DuckDB they end its rows.
    path = tmp_path / "mac.csv"
    path.write_bytes(csv_file(TOURISM_HEADER, "2024-03,A,1,2", "2024-03,B,3,4", newline="\r"))
    with open(path, "rb") as handle:
        head = take_head(csv_records(raw_lines(handle), "utf-8"))
    assert head == [
        (1, ["报告期", "景区或类别", "接待游客", "旅游收入"]),
        (2, ["2024-03", "A", "1", "2"]),
        (3, ["2024-03", "B", "3", "4"]),
    ]
    plain = csv_fast.plain_csv(path, "utf-8", head, 1, 4, tmp_path)
    assert plain == csv_fast.PlainCsv(path, 1, 4, 3, cr_only=True)


def test_science_bureau_sends_both_its_kinds(desk: Desk) -> None:
    text = csv_file(
        "报告期,统一社会信用代码,企业名称,事项类型,事项日期",
        f"2024-03,{CODE_A},哈尔滨冰城科技有限公司,高企认定,2024-03-05",
        f"2024-03,{CODE_B},哈尔滨松北软件有限公司,高企撤销,2024-03-18",
        "",
        "填报单位：哈尔滨新区科工信局,,,,",
    )
    submission = desk.drop("enterprise_registrations", "science_technology", "3月高企.csv", text)
    row = desk.ledger(submission)
    assert (row["status"], row["rows_read"]) == ("accepted", 2), row["message_en"]
    assert desk.rows("enterprise_registrations", "department, credit_code, event_type") == [
        ("science_technology", CODE_A, "高企认定"),
        ("science_technology", CODE_B, "高企撤销"),
    ]


def test_mac_csv_utf8_with_bom_and_a_signed_footer(desk: Desk) -> None:
    text = b"\xef\xbb\xbf" + csv_file(
        TOURISM_HEADER,
        "2024-03,太阳岛风景区,52000,3120.5",
        "",
        "填报单位：哈尔滨新区文旅局,填报人：李娜,,",
        newline="\r",
    )
    submission = desk.drop("tourism_revenue", "culture_tourism", "3月旅游.csv", text)
    row = desk.ledger(submission)
    assert (row["status"], row["rows_read"]) == ("accepted", 1), row["message_en"]
    assert desk.rows("tourism_revenue", "row_number, period, area, visitors, revenue_wan") == [
        (2, MARCH, "太阳岛风景区", 52000, D("3120.5"))
    ]
    assert '"填报人": "李娜"' in row["file_notes"]


def test_an_earlier_templates_unmarked_example_is_still_recognised(desk: Desk) -> None:
    # Templates written before the example was marked 示例 held 太阳岛风景区, 120 visitors and
    # 585.5 万元: a file made from one keeps that row, here with its period typed over.
    text = csv_file(
        TOURISM_HEADER,
        "2024-03,太阳岛风景区,120,585.5",
        "2024-03,太阳岛风景区,52000,3120.5",
        "2024-03,伏尔加庄园,8000,640",
    )
    submission = desk.drop("tourism_revenue", "culture_tourism", "3月旅游.csv", text)
    row = desk.ledger(submission)
    assert (row["status"], row["rows_read"]) == ("accepted", 2), row["message_en"]
    assert desk.rows("tourism_revenue", STAGED) == MARCH_TOURISM
    assert row["warnings_en"] == (
        "Row(s) 2 still hold the template's example (景区或类别: 太阳岛风景区) and were not loaded."
    )


def test_an_earlier_templates_headline_example_alone_is_refused(desk: Desk) -> None:
    example = csv_file(HEADLINE_HEADER, "2024-04,gdp,地区生产总值,585.5,亿元,6.3")
    submission = desk.drop("headline_statistics", "statistics", "4月指标.csv", example)
    assert desk.refused(submission) == (NO_DATA_EN, NO_DATA_ZH)


def test_template_instructions_say_which_department_reports_which_kind(tmp_path: Path) -> None:
    path = write_templates(tmp_path)["enterprise_registrations"]
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("填表说明").to_python()
    assert [
        "报送分工",
        "按“事项类型”分工报送，各单位只填本单位的类型（市场监督管理局：新登记；"
        "科技和工业信息化局：高企认定、高企撤销；商务局：外贸备案）",
    ] in [r[:2] for r in rows]
