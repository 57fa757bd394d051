"""Figures a data steward would question, and messages a clerk can act on (issue 11, 10 and 11).

Tier: functions on small data with real GX. Each file is built here the way a clerk's Excel or
export makes it, dropped in the department's landing folder, received with `receive_feed`,
validated with the feed's suite and the history suite, recorded with `record_verdict`, and the
earlier file it replaces marked by `ledger/supersede` (what the `gx_suite` check does), one file
at a time as the sensor sends them. Each case asserts the exact ledger words in English and
Chinese, or the exact values loaded.

The rule under test (README, "Questioned figures"): a figure more than a hundred times away from
the same department's earlier figure for the same series (or from the plan on its own row), or a
correction that drops more than half of a snapshot register, holds the file (status rejected)
with a message naming the row, column, old and new value or the items that would disappear; a
file carrying the line 说明：数据已核实 is accepted and the ledger keeps the doubt as a warning.
"""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from pipelines.checks.validation import validate_submissions
from pipelines.files.contracts import load_contract
from pipelines.settings import Settings
from pipelines.store.ingest import prepare, receive_feed, unreadable
from pipelines.store.ledger import record_verdict
from pipelines.store.warehouse import run_sql
from tests.helpers import settings_for

PROJECT_HEADER = [c.header_zh for c in load_contract("projects").columns]
CONFIRMED = "说明：数据已核实"
ASK_TO_CONFIRM_EN = (
    "If the figures are right, add a line '说明：数据已核实' (figures verified) to the file and "
    "send it again."
)
ASK_TO_CONFIRM_ZH = "如数据无误，请在表中加一行“说明：数据已核实”后重新报送。"


@pytest.fixture
def con():
    connection = duckdb.connect()
    prepare(connection)
    yield connection
    connection.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path)


def csv_file(header: list[str], *rows: list[object]) -> bytes:
    """A CSV as Excel saves it (UTF-8 with BOM, CRLF)."""
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def workbook(
    header: list[str],
    rows: list[list[object]],
    title: str | None = None,
    footer: list[str] = (),
    number_format: str | None = None,
) -> bytes:
    """An .xlsx as a clerk makes it: a merged title over the table, the header, the rows (numbers
    as numbers, with a number format when given), and labelled footer lines."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
        sheet = book.add_worksheet("Sheet1")
        shown = book.add_format({"num_format": number_format}) if number_format else None
        r = 0
        if title:
            sheet.merge_range(0, 0, 0, len(header) - 1, title)
            r = 1
        sheet.write_row(r, 0, header)
        for row in rows:
            r += 1
            for c, value in enumerate(row):
                if isinstance(value, int | float) and shown is not None:
                    sheet.write_number(r, c, value, shown)
                elif value is not None:
                    sheet.write(r, c, value)
        for line in footer:
            r += 1
            sheet.write(r, 0, line)
    return buffer.getvalue()


def send(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    feed: str,
    department: str,
    name: str,
    content: bytes,
    engine: str = "duckdb",
) -> dict:
    """Drop, receive, validate and record one file; its ledger row."""
    path = settings.landing / feed / department / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    [submission] = receive_feed(con, settings.landing, settings.archive, feed)
    assert submission.status == "received", submission.message_en
    verdicts = validate_submissions(con, feed, [submission.submission_id], engine)
    record_verdict(con, feed, submission.submission_id, verdicts[submission.submission_id])
    run_sql(con, "ledger/supersede", {"feed": feed})
    cursor = con.execute(
        "select submission_id, status, message_en, message_zh, warnings_en, warnings_zh "
        "from ledger.submissions where submission_id = ?",
        [submission.submission_id],
    )
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def project(period: str, code: str, completed: object, planned: object = 5000) -> list[object]:
    """A project row in the template's column order."""
    values = {
        "报告期": period,
        "项目编号": code,
        "项目名称": f"项目{code}",
        "项目类别": "招商引资",
        "投资方": "哈尔滨某公司",
        "资金来源": "内资",
        "签约日期": "2024-01-15",
        "协议引资额": 20000,
        "本年实际利用内外资": 800,
        "项目级别": "市级",
        "年度计划投资": planned,
        "本年完成投资": completed,
    }
    return [values.get(h) for h in PROJECT_HEADER]


def staged(con: duckdb.DuckDBPyConnection, feed: str, columns: str) -> list[tuple]:
    return con.execute(f"select {columns} from staging.{feed} order by all").fetchall()


# ---------------------------------------------------------------------------------------------
# 10. Figures a hundred times away from the department's own history or plan
# ---------------------------------------------------------------------------------------------


def test_amount_typed_in_wan_under_a_yi_header_is_held_then_accepted_when_confirmed(con, settings):
    """February's register says P001 completed 1200 万元. March's workbook heads the column
    本年完成投资（亿元） but the clerk typed 万元 (1300): read as 13,000,000 万元, 10833 times
    February's. The file is held, naming row, column letter, old → new; resent with the line
    说明：数据已核实 it is accepted, the value is loaded as read and the warning kept."""
    feb = send(
        con,
        settings,
        "projects",
        "investment",
        "2024年2月项目.csv",
        csv_file(PROJECT_HEADER, project("2024-02", "P001", 1200), project("2024-02", "P002", 300)),
    )
    assert feb["status"] == "accepted"
    header = [h + "（亿元）" if h == "本年完成投资" else h for h in PROJECT_HEADER]
    rows = [project("2024-03", "P001", 1300), project("2024-03", "P002", 0.04)]
    march = send(
        con,
        settings,
        "projects",
        "investment",
        "2024年3月项目.xlsx",
        workbook(header, rows, title="2024年3月招商引资项目情况表"),
    )
    assert march["status"] == "rejected"
    assert march["message_en"] == (
        "Held, not loaded: figures more than a hundred times away from the department's earlier "
        "reports or plan: row 3, column N (本年完成投资, P001): the figure reported for 2024-02, "
        "1200 万元 → 13000000 万元 now (typed '1300'), about 10833 times apart; row 3, column N "
        "(本年完成投资): the 年度计划投资 on the same row, 5000 万元 → 13000000 万元 now (typed "
        "'1300'), about 2600 times apart. " + ASK_TO_CONFIRM_EN
    )
    assert march["message_zh"] == (
        "退回（待核实）：数据与本单位以往报送相差百倍以上："
        "第3行 N 列（本年完成投资，P001）："
        "2024-02报送数1200万元 → 本次13000000万元（填报“1300”），相差约10833倍；第3行 N 列"
        "（本年完成投资）：同行年度计划投资5000万元 → 本次13000000万元（填报“1300”），"
        "相差约2600倍。" + ASK_TO_CONFIRM_ZH
    )
    # Nothing of March reached staging: February's register stands.
    columns = "strftime(period, '%Y-%m'), project_code, completed_investment_ytd_wan"
    assert staged(con, "projects", columns) == [("2024-02", "P001", 1200), ("2024-02", "P002", 300)]
    confirmed = send(
        con,
        settings,
        "projects",
        "investment",
        "2024年3月项目（已核实）.xlsx",
        workbook(header, rows, title="2024年3月招商引资项目情况表", footer=[CONFIRMED]),
    )
    assert confirmed["status"] == "accepted"
    assert confirmed["message_zh"] is None
    assert confirmed["warnings_zh"] == (
        "已按文件中“说明：数据已核实”接收：数据与本单位以往报送相差百倍以上：第3行 N 列"
        "（本年完成投资，P001）：2024-02报送数1200万元 → 本次13000000万元（填报“1300”），相差约"
        "10833倍；第3行 N 列（本年完成投资）：同行年度计划投资5000万元 → 本次13000000万元"
        "（填报“1300”），相差约2600倍"
    )
    assert confirmed["warnings_en"].startswith(
        "Accepted as confirmed by the file ('说明：数据已核实'): figures more than a hundred "
        "times away from the department's earlier reports or plan: row 3, column N"
    )
    assert staged(con, "projects", columns) == [
        ("2024-02", "P001", 1200),
        ("2024-02", "P002", 300),
        ("2024-03", "P001", 13000000),
        ("2024-03", "P002", 400),
    ]


def test_a_cumulative_statistic_jumping_a_hundredfold_is_held(con, settings):
    """1-2月 GDP 120.5 亿元, then 1-3月 typed 13000 (the clerk's 百万元): 108 times."""
    header = ["报告期", "指标代码", "指标名称", "本期累计值", "计量单位", "累计同比增长"]
    feb = send(
        con,
        settings,
        "headline_statistics",
        "statistics",
        "1-2月.csv",
        csv_file(header, ["2024-02", "gdp", "地区生产总值", "120.5", "亿元", "5.1"]),
    )
    assert feb["status"] == "accepted"
    march = send(
        con,
        settings,
        "headline_statistics",
        "statistics",
        "1-3月.csv",
        csv_file(header, ["2024-03", "gdp", "地区生产总值", "13000", "亿元", "5.3"]),
    )
    assert march["status"] == "rejected"
    assert march["message_zh"] == (
        "退回（待核实）：数据与本单位以往报送相差百倍以上：第2行 D 列（本期累计值，gdp）："
        "2024-02报送数120.5 → 本次13000（填报“13000”），相差约108倍。" + ASK_TO_CONFIRM_ZH
    )
    assert march["message_en"] == (
        "Held, not loaded: figures more than a hundred times away from the department's earlier "
        "reports or plan: row 2, column D (本期累计值, gdp): the figure reported for 2024-02, "
        "120.5 → 13000 now (typed '13000'), about 108 times apart. " + ASK_TO_CONFIRM_EN
    )
    # The bureau checks: 13000 is right (a new accounting base). The same CSV with the line
    # 说明：数据已核实无误 above the header is accepted, the figure loaded as typed.
    confirmed = csv_file(header, ["2024-03", "gdp", "地区生产总值", "13000", "亿元", "5.3"])
    confirmed = "\ufeff说明：数据已核实无误\r\n".encode() + confirmed[len("\ufeff".encode()) :]
    result = send(con, settings, "headline_statistics", "statistics", "1-3月核实.csv", confirmed)
    assert result["status"] == "accepted"
    assert result["warnings_zh"] == (
        "已按文件中“说明：数据已核实”接收：数据与本单位以往报送相差百倍以上：第3行 D 列"
        "（本期累计值，gdp）：2024-02报送数120.5 → 本次13000（填报“13000”），相差约108倍"
    )
    assert staged(con, "headline_statistics", "strftime(period, '%Y-%m'), value_ytd") == [
        ("2024-02", 120.5),
        ("2024-03", 13000),
    ]


def test_a_cumulative_rising_ninetyfold_and_a_january_restart_are_not_questioned(con, settings):
    """The rule is 'more than a hundred times': 99x passes, and a 1-N月 cumulative starting
    again in January (December's 50000 → January's 40) is expected, not a doubt."""
    header = ["报告期", "指标代码", "本期累计值"]
    feed, sender = "headline_statistics", "statistics"
    dec = csv_file(header, ["2023-12", "retail_sales", "50000"])
    assert send(con, settings, feed, sender, "12月.csv", dec)["status"] == "accepted"
    jan = csv_file(header, ["2024-01", "retail_sales", "40"])
    assert send(con, settings, feed, sender, "1月.csv", jan)["status"] == "accepted"
    feb = csv_file(header, ["2024-02", "retail_sales", "3960"])
    assert send(con, settings, feed, sender, "1-2月.csv", feb)["status"] == "accepted"
    assert staged(con, feed, "strftime(period, '%Y-%m'), value_ytd") == [
        ("2023-12", 50000),
        ("2024-01", 40),
        ("2024-02", 3960),
    ]


def test_a_project_series_jumping_within_one_file_is_held(con, settings):
    """A file restating February and reporting March: March's 本年完成投资 is 150 times the same
    file's February (a column typed in 元 for one month)."""
    rows = [project("2024-02", "P009", 20), project("2024-03", "P009", 3000, planned=9000)]
    result = send(
        con,
        settings,
        "projects",
        "development_reform",
        "2-3月.csv",
        csv_file(PROJECT_HEADER, *rows),
    )
    assert result["status"] == "rejected"
    assert result["message_zh"] == (
        "退回（待核实）：数据与本单位以往报送相差百倍以上：第3行 N 列（本年完成投资，P009）："
        "2024-02报送数20万元 → 本次3000万元（填报“3000”），相差约150倍。" + ASK_TO_CONFIRM_ZH
    )


def test_completed_investment_a_hundred_times_its_own_plan_is_held_on_a_first_file(con, settings):
    """A department's first file has no history: the plan on the same row is the reference.
    本年完成投资 typed in 元 (620000) against a plan of 5000 万元 is 124 times it."""
    result = send(
        con,
        settings,
        "projects",
        "investment",
        "首次报送.csv",
        csv_file(PROJECT_HEADER, project("2024-04", "P100", 620000)),
    )
    assert result["status"] == "rejected"
    assert result["message_en"] == (
        "Held, not loaded: figures more than a hundred times away from the department's earlier "
        "reports or plan: row 2, column N (本年完成投资): the 年度计划投资 on the same row, "
        "5000 万元 → 620000 万元 now (typed '620000'), about 124 times apart. " + ASK_TO_CONFIRM_EN
    )


def test_a_tourism_month_a_hundred_times_the_areas_previous_months_is_held(con, settings):
    """太阳岛 earned 48, 60 and 55 万元 in January–March (median 55). April's workbook shows
    "5,600" (a #,##0 number format; the clerk typed 元/百元 figures): 102 times the median. The
    other area, within its range, does not make a doubt."""
    header = ["报告期", "景区或类别", "接待游客", "旅游收入"]
    history = csv_file(
        header,
        ["2024-01", "太阳岛", 10000, 48],
        ["2024-02", "太阳岛", 12000, 60],
        ["2024-03", "太阳岛", 11000, 55],
        ["2024-03", "伏尔加庄园", 3000, 20],
    )
    assert (
        send(con, settings, "tourism_revenue", "culture_tourism", "1-3月.csv", history)["status"]
        == "accepted"
    )
    april = workbook(
        header,
        [["2024-04", "太阳岛", 12500, 5600], ["2024-04", "伏尔加庄园", 3200, 25]],
        number_format="#,##0",
    )
    result = send(con, settings, "tourism_revenue", "culture_tourism", "4月.xlsx", april)
    assert result["status"] == "rejected"
    typed = re.search(r"填报“([^”]*)”", result["message_zh"]).group(1)
    assert typed in ("5,600", "5600")
    assert result["message_zh"] == (
        "退回（待核实）：数据与本单位以往报送相差百倍以上：第2行 D 列（旅游收入，太阳岛）："
        f"2024-01至2024-03各月中位数55万元 → 本次5600万元（填报“{typed}”），相差约102倍。"
        + ASK_TO_CONFIRM_ZH
    )


# ---------------------------------------------------------------------------------------------
# 10. A correction (更正) of a snapshot register that drops most of it
# ---------------------------------------------------------------------------------------------

SCHOOL_HEADER = ["报告期", "学校或项目名称", "学段", "新增学位", "计划交付日期", "实际交付日期"]


def schools(period: str, *names: str) -> list[list[object]]:
    return [[period, name, "小学", 1080, "2024-09-01", None] for name in names]


@pytest.mark.parametrize("engine", ["duckdb", "gx"])
def test_a_correction_dropping_most_of_a_register_is_held_naming_what_would_disappear(
    con, settings, engine
):
    """March's register lists four schools; a 更正 file for March lists one. Three of four
    would vanish from the scorecard: the file is held and the three are named. The register in
    force stays March's first file."""
    first = csv_file(
        SCHOOL_HEADER, *schools("2024-03", "第一小学", "第二小学", "第三中学", "新区九校")
    )
    assert send(con, settings, "school_places", "education", "3月.csv", first, engine)[
        "status"
    ] == ("accepted")
    correction = workbook(SCHOOL_HEADER, schools("2024-03", "第二小学"), title="2024年3月（更正）")
    result = send(con, settings, "school_places", "education", "3月更正.xlsx", correction, engine)
    assert result["status"] == "rejected"
    assert result["message_zh"] == (
        "退回（待核实）：更正将删去已接收清单的一半以上：2024-03的清单：更正后将由已接收的4项减为"
        "1项，以下3项将不再出现：新区九校、第一小学、第三中学。" + ASK_TO_CONFIRM_ZH
    )
    assert result["message_en"] == (
        "Held, not loaded: a correction that would drop more than half of the register already "
        "accepted: the register for 2024-03: this correction would cut the 4 items already "
        "accepted to 1; these 3 would disappear: 新区九校, 第一小学, 第三中学. " + ASK_TO_CONFIRM_EN
    )
    assert [name for (name,) in staged(con, "school_places", "school_project")] == [
        "新区九校",
        "第一小学",
        "第三中学",
        "第二小学",
    ]


def test_a_correction_dropping_half_of_a_register_is_accepted(con, settings):
    """Dropping exactly half (2 of 4) is not 'most': the correction is accepted and replaces the
    register, the earlier file superseded."""
    first = csv_file(SCHOOL_HEADER, *schools("2024-05", "甲校", "乙校", "丙校", "丁校"))
    send(con, settings, "school_places", "education", "5月.csv", first)
    correction = csv_file(SCHOOL_HEADER, *schools("2024-05", "甲校", "乙校"))
    result = send(con, settings, "school_places", "education", "5月更正.csv", correction)
    assert result["status"] == "accepted"
    assert [name for (name,) in staged(con, "school_places", "school_project")] == ["乙校", "甲校"]
    assert con.execute(
        "select status from ledger.submissions where file_name = '5月.csv'"
    ).fetchone() == ("superseded",)


def test_a_confirmed_register_correction_is_accepted_with_the_dropped_items_in_its_warning(
    con, settings
):
    """The department did close three projects: the correction says 说明：数据已核实 and is
    accepted; the warning keeps which items went."""
    rows = [project("2024-06", f"P{n}", 10) for n in (1, 2, 3, 4)]
    send(con, settings, "projects", "investment", "6月.csv", csv_file(PROJECT_HEADER, *rows))
    correction = workbook(
        PROJECT_HEADER, [project("2024-06", "P4", 10)], footer=["说明：数据已核实，P1-P3已退库"]
    )
    result = send(con, settings, "projects", "investment", "6月更正.xlsx", correction)
    assert result["status"] == "accepted"
    assert result["warnings_zh"].endswith(
        "已按文件中“说明：数据已核实”接收：更正将删去已接收清单的一半以上：2024-06的清单：更正后"
        "将由已接收的4项减为1项，以下3项将不再出现：P1、P2、P3"
    )
    assert staged(con, "projects", "project_code") == [("P4",)]


# ---------------------------------------------------------------------------------------------
# The two engines agree on the history suite
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["duckdb", "gx"])
def test_both_engines_hold_the_same_figures(con, settings, engine):
    """GX's own pandas engine and the compiled SQL read the same history suite: the same file
    is held with the same words."""
    header = ["报告期", "景区或类别", "接待游客", "旅游收入"]
    history = csv_file(header, ["2024-02", "冰雪大世界", 50000, 900])
    send(con, settings, "tourism_revenue", "culture_tourism", "2月.csv", history, engine)
    march = csv_file(header, ["2024-03", "冰雪大世界", 400, 8.5])
    result = send(con, settings, "tourism_revenue", "culture_tourism", "3月.csv", march, engine)
    assert result["status"] == "rejected"
    assert result["message_zh"] == (
        "退回（待核实）：数据与本单位以往报送相差百倍以上：第2行 C 列（接待游客，冰雪大世界）："
        "2024-02报送数50000人次 → 本次400人次（填报“400”），相差约125倍；第2行 D 列（旅游收入，"
        "冰雪大世界）：2024-02报送数900万元 → 本次8.5万元（填报“8.5”），相差约106倍。"
        + ASK_TO_CONFIRM_ZH
    )


# ---------------------------------------------------------------------------------------------
# 11. Messages a clerk can act on
# ---------------------------------------------------------------------------------------------


def quarantined(con, submission_id: str) -> list[tuple]:
    return con.execute(
        "select row_number, column_name, rule, value_found from ledger.quarantine "
        "where submission_id = ? order by row_number, rule",
        [submission_id],
    ).fetchall()


def test_a_month_typed_as_text_shows_the_text_not_empty(con, settings):
    """报告期 typed 三月份 (the clerk's words) does not parse as a month: the finding shows what
    was typed, with the row and column letter as Excel shows them, never 实际为空."""
    header = ["报告期", "景区或类别", "接待游客", "旅游收入"]
    rows = [["2024-03", f"景区{n}", 100, 10] for n in range(9)] + [["三月份", "太阳岛", 100, 10]]
    result = send(
        con, settings, "tourism_revenue", "culture_tourism", "3月.csv", csv_file(header, *rows)
    )
    assert result["status"] == "accepted_with_quarantine"
    assert result["message_zh"] == (
        "已接收；10行中有1行暂不计入，请更正：第11行 A 列（报告期）：“报告期”应为月份（如 2024-03）"
        "（实际为“三月份”）"
    )
    assert result["message_en"] == (
        "Accepted; 1 of 10 rows held in quarantine until corrected: row 11, column A (报告期): "
        "报告期 must be a month such as 2024-03 (found '三月份')"
    )
    assert quarantined(con, result["submission_id"]) == [(11, "报告期", "month_format", "三月份")]


def test_findings_name_the_excel_row_and_column_of_a_workbook_with_a_title_and_moved_columns(
    con, settings
):
    """A workbook with a title row and its columns in another order (收入 in column B, a blank
    column A): the finding names row 4 and column B as Excel shows them, and the typed text."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
        sheet = book.add_worksheet("旅游")
        sheet.write(0, 1, "2024年3月旅游收入情况表")
        sheet.write_row(1, 1, ["旅游收入", "报告期", "景区或类别", "接待游客"])
        sheet.write_row(2, 1, [120, "2024-03", "太阳岛", 1000])
        sheet.write_row(3, 1, ["约80", "2024-03", "伏尔加庄园", 900])
        for n in range(4, 10):
            sheet.write_row(n, 1, [50 + n, "2024-03", f"景区{n}", 500])
    result = send(
        con, settings, "tourism_revenue", "culture_tourism", "3月.xlsx", buffer.getvalue()
    )
    assert result["status"] == "accepted_with_quarantine"
    assert result["message_zh"] == (
        "已接收；8行中有1行暂不计入，请更正："
        "第4行 B 列（旅游收入）：“旅游收入”应为数字（实际为“约80”）"
    )
    assert result["message_en"] == (
        "Accepted; 1 of 8 rows held in quarantine until corrected: row 4, column B (旅游收入): "
        "旅游收入 must be a number (found '约80')"
    )


def test_a_damaged_workbook_is_refused_in_chinese_without_python_text(con, settings):
    """A file saved as .xlsx that is not a workbook (a mail client's HTML error page): the
    Chinese message says what to do and carries no English or Python error text."""
    path = settings.landing / "tourism_revenue" / "culture_tourism" / "3月.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04" + b"<html>Error 500: attachment expired</html>" * 20)
    [submission] = receive_feed(con, settings.landing, settings.archive, "tourism_revenue")
    assert submission.status == "rejected"
    (message_zh,) = con.execute(
        "select message_zh from ledger.submissions where submission_id = ?",
        [submission.submission_id],
    ).fetchone()
    words = re.findall(r"[A-Za-z_]+", re.sub(r"Excel|WPS|\.xlsx|\.xls|CSV", "", message_zh))
    assert words == [], message_zh


def test_a_zip_that_is_not_a_workbook_is_refused_in_chinese_without_the_library_error(
    con, settings
):
    """An .xlsx whose zip lacks the workbook's parts (a half-written save): the library's own
    words ("File not found '_rels/.rels'") stay in the English message for the data office; the
    Chinese message says what is wrong and what to do."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook>")
    path = settings.landing / "tourism_revenue" / "culture_tourism" / "3月.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(buffer.getvalue())
    [submission] = receive_feed(con, settings.landing, settings.archive, "tourism_revenue")
    assert submission.status == "rejected"
    assert con.execute(
        "select message_en, message_zh from ledger.submissions where submission_id = ?",
        [submission.submission_id],
    ).fetchone() == (
        "The workbook cannot be opened (File not found '_rels/.rels'); re-save it as .xlsx "
        "without a password.",
        "无法打开该工作簿（文件已损坏、设有密码或不是 Excel 工作簿）；"
        "请另存为无密码的 .xlsx 文件。",
    )


def test_an_unforeseen_reader_failure_keeps_python_text_out_of_the_chinese_message():
    """Whatever a reader raises that nobody foresaw, the clerk reads Chinese only; the
    exception's text is kept in the English message for the data office."""
    rejection = unreadable(UnicodeDecodeError("gb18030", b"\x80", 0, 1, "illegal multibyte"))
    assert rejection.message_zh == (
        "文件无法按表格读取（文件可能已损坏，或不是按部门模板制作的表格）。"
        "请按部门模板另存为 .xlsx 或 CSV 后重新报送。"
    )
    assert "illegal multibyte" in rejection.message_en


# ---------------------------------------------------------------------------------------------
# Files that arrive together: judged against each other, never against nothing
# ---------------------------------------------------------------------------------------------


def send_together(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    feed: str,
    department: str,
    files: dict[str, bytes],
) -> dict[str, dict]:
    """Drop several files at once, receive and validate them in one batch (a nightly refresh
    after a weekend): each file's ledger row by name."""
    for name, content in files.items():
        path = settings.landing / feed / department / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    received = receive_feed(con, settings.landing, settings.archive, feed)
    ids = [s.submission_id for s in received]
    for submission_id, verdict in validate_submissions(con, feed, ids).items():
        record_verdict(con, feed, submission_id, verdict)
    run_sql(con, "ledger/supersede", {"feed": feed})
    return {
        name: {"status": status, "message_zh": message}
        for name, status, message in con.execute(
            "select file_name, status, message_zh from ledger.submissions"
        ).fetchall()
    }


def test_two_months_arriving_in_one_run_are_judged_against_each_other(con, settings):
    """March (本年完成投资 typed in 元: 2,400,000) lands beside February (2400) and both are
    validated in one run: February is accepted, March is held against February's figure."""
    outcome = send_together(
        con,
        settings,
        "projects",
        "investment",
        {
            "3月.csv": csv_file(PROJECT_HEADER, project("2024-03", "P7", 2400000, planned=9e6)),
            "2月.csv": csv_file(PROJECT_HEADER, project("2024-02", "P7", 2400, planned=9e6)),
        },
    )
    assert outcome["2月.csv"] == {"status": "accepted", "message_zh": None}
    assert outcome["3月.csv"]["status"] == "rejected"
    assert outcome["3月.csv"]["message_zh"] == (
        "退回（待核实）：数据与本单位以往报送相差百倍以上：第2行 N 列（本年完成投资，P7）："
        "2024-02报送数2400万元 → 本次2400000万元（填报“2400000”），相差约1000倍。"
        + ASK_TO_CONFIRM_ZH
    )
    assert staged(con, "projects", "project_code, completed_investment_ytd_wan") == [("P7", 2400)]


def test_a_register_and_its_correction_arriving_in_one_run_hold_the_correction(con, settings):
    """The first March register (5 schools) and a 更正 listing 2 land in the same run: the
    correction is judged against the register sent before it."""
    outcome = send_together(
        con,
        settings,
        "school_places",
        "education",
        {
            "a_3月.csv": csv_file(
                SCHOOL_HEADER, *schools("2024-03", "一校", "二校", "三校", "四校", "五校")
            ),
            "b_3月更正.csv": csv_file(SCHOOL_HEADER, *schools("2024-03", "一校", "二校")),
        },
    )
    assert outcome["a_3月.csv"] == {"status": "accepted", "message_zh": None}
    assert outcome["b_3月更正.csv"] == {
        "status": "rejected",
        "message_zh": "退回（待核实）：更正将删去已接收清单的一半以上：2024-03的清单："
        "更正后将由已接收的5项减为2项，以下3项将不再出现：三校、五校、四校。" + ASK_TO_CONFIRM_ZH,
    }


def test_growth_from_a_first_small_arrival_is_not_questioned_but_yuan_typed_on_it_is(con, settings):
    """ZS-045 was signed in June: 1.06 万元 of capital had arrived (the others 800 and 500).
    July's 342.68 is 323 times that, as a new project's capital grows: a base below a hundredth
    of the department's median for the column (500) is no base, the median stands in, and the
    file is accepted. A July file with the figure typed in 元 (3426800) is held against it."""

    def register(period: str, first: object) -> bytes:
        rows = []
        for code, utilised in (("ZS-045", first), ("ZS-001", 800), ("ZS-002", 500)):
            row = project(period, code, None, planned=None)
            row[PROJECT_HEADER.index("本年实际利用内外资")] = utilised
            rows.append(row)
        return csv_file(PROJECT_HEADER, *rows)

    june = send(con, settings, "projects", "investment", "6月.csv", register("2024-06", 1.06))
    assert june["status"] == "accepted"
    typed_in_yuan = send(
        con, settings, "projects", "investment", "7月.csv", register("2024-07", 3426800)
    )
    assert typed_in_yuan["status"] == "rejected"
    assert typed_in_yuan["message_zh"] == (
        "退回（待核实）：数据与本单位以往报送相差百倍以上：第2行 I 列（本年实际利用内外资，"
        "ZS-045）：2024-06本单位该列中位数500万元 → 本次3426800万元（填报“3426800”），"
        "相差约6854倍。" + ASK_TO_CONFIRM_ZH
    )
    july = send(con, settings, "projects", "investment", "7月改.csv", register("2024-07", 342.68))
    assert july == july | {"status": "accepted", "message_zh": None, "warnings_zh": None}
    assert staged(con, "projects", "strftime(period, '%Y-%m'), utilised_capital_ytd_wan") == [
        ("2024-06", Decimal("1.06")),
        ("2024-06", 500),
        ("2024-06", 800),
        ("2024-07", Decimal("342.68")),
        ("2024-07", 500),
        ("2024-07", 800),
    ]
