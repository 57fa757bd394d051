"""Units, headers as people draw them, and rows that are not data (issue 11, points 2, 5 and 6).

Tier: functions on small data, through the real ingestion path. Each file is built here the way
a clerk's Excel, WPS or export makes it (xlsxwriter for workbooks, with merged cells; raw bytes
for CSV), dropped in its department's landing folder, received by
`pipelines.store.ingest.receive_feed` into a fresh DuckDB prepared by `prepare`, validated where
row findings matter, and read back: the exact values loaded, the unit, factor and column letter
recorded in `ledger.submission_columns`, or the exact refusal words in English and Chinese.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from pipelines.checks.validation import validate_submissions
from pipelines.store.ingest import prepare, receive_feed
from pipelines.store.ledger import record_verdict
from tests.helpers import settings_for

D = Decimal
MARCH = dt.date(2024, 3, 1)
SENDERS = {
    "projects": "investment",
    "tourism_revenue": "culture_tourism",
    "school_places": "education",
    "headline_statistics": "statistics",
}
Writer = Callable[[Path], None]


def csv_file(*lines: str, encoding: str = "utf-8") -> Writer:
    """A CSV as Excel saves it: the lines given, each ended by CRLF."""
    return lambda path: path.write_bytes("".join(f"{line}\r\n" for line in lines).encode(encoding))


def xlsx(rows: list[list[object]], merges: tuple[tuple[int, int, int, int], ...] = ()) -> Writer:
    """A workbook of one sheet: numbers as numbers, dates as dates (yyyy-mm-dd), each merge
    (first_row, first_col, last_row, last_col) written as Excel writes a merged range: the value
    in its first cell, the rest blank."""

    def write(path: Path) -> None:
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("报表")
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        centre = book.add_format({"align": "center"})
        merged = set()
        for top, left, bottom, right in merges:
            sheet.merge_range(top, left, bottom, right, rows[top][left], centre)
            merged |= {(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if (r, c) in merged or value in (None, ""):
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
        book.close()

    return write


def land(tmp_path: Path, feed: str, name: str, write: Writer) -> duckdb.DuckDBPyConnection:
    """Drop one file from the feed's sender, receive it into a fresh warehouse and validate it
    as the pipeline does; the warehouse is returned open."""
    settings = settings_for(tmp_path)
    path = settings.landing / feed / SENDERS[feed] / name
    path.parent.mkdir(parents=True)
    write(path)
    con = duckdb.connect()
    prepare(con)
    received = receive_feed(con, settings.landing, settings.archive, feed)
    ids = [s.submission_id for s in received if s.status == "received"]
    for submission_id, verdict in validate_submissions(con, feed, ids).items():
        record_verdict(con, feed, submission_id, verdict)
    return con


def receipt(con: duckdb.DuckDBPyConnection) -> dict:
    cursor = con.execute(
        "select status, message_en, message_zh, warnings_en, warnings_zh from ledger.submissions"
    )
    (row,) = cursor.fetchall()
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def loaded(con: duckdb.DuckDBPyConnection, feed: str, *columns: str) -> list[tuple]:
    """The typed values of the rows staging keeps (quarantined rows left out), by row number."""
    return con.execute(
        f"select row_number, {', '.join(columns)} from staging.{feed}_typed t "
        "where not exists (select 1 from ledger.quarantine q where q.submission_id = "
        "t.submission_id and q.row_number = t.row_number) order by row_number"
    ).fetchall()


def columns_read(con: duckdb.DuckDBPyConnection, *names: str) -> list[tuple]:
    """What ledger.submission_columns recorded for the columns named, in that order."""
    rows = con.execute(
        "select column_name, header_found, unit_found, unit_factor, source_column "
        "from ledger.submission_columns"
    ).fetchall()
    by_name = {row[0]: row[1:] for row in rows}
    return [by_name.get(name) for name in names]


def refused(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    row = receipt(con)
    assert row["status"] == "rejected", row
    return row["message_en"], row["message_zh"]


# --- 2. Units ------------------------------------------------------------------------------------


def test_parent_header_unit_merged_over_plan_and_done_applies_to_both(tmp_path: Path) -> None:
    # 序号 in A; the left columns merged down over two rows; 投资情况（亿元） merged over 计划 and
    # 完成; a 栏次 row (甲 乙 1 2 …) under the header, as the reform bureau draws it.
    rows = [
        ["2024年3月省市重点项目推进情况表"],
        ["序号", "报告期", "项目编号", "项目名称", "项目类别", "投资情况（亿元）", ""],
        ["", "", "", "", "", "年度计划投资", "本年完成投资"],
        ["甲", "乙", "丙", "丁", "戊", "1", "2"],
        [1, "2024-03", "ZD-1", "松北道路工程", "省市重点", 0.5, 0.12345],
        [2, "2024-03", "ZD-2", "群力污水厂", "省市重点", 1.2, 0],
    ]
    merges = ((0, 0, 0, 6), *((1, c, 2, c) for c in range(5)), (1, 5, 1, 6))
    con = land(tmp_path, "projects", "重点项目.xlsx", xlsx(rows, merges))
    assert receipt(con)["status"] == "accepted", receipt(con)
    assert loaded(
        con,
        "projects",
        "project_code",
        "planned_annual_investment_wan",
        "completed_investment_ytd_wan",
    ) == [(5, "ZD-1", D("5000"), D("1234.5")), (6, "ZD-2", D("12000"), D("0"))]
    assert columns_read(con, "project_code", "planned_annual_investment_wan") == [
        ("项目编号", None, None, "C"),
        ("投资情况（亿元）/年度计划投资", "亿元", D("10000"), "F"),
    ]


def test_unit_after_a_slash_in_thousands_converts_exactly(tmp_path: Path) -> None:
    text = csv_file(
        "报告期,项目编号,项目名称,项目类别,协议引资额/千元",
        "2024-03,ZS-1,冰雪装备产业园,招商引资,12345",
        "2024-03,ZS-2,生物医药产业园,招商引资,800",
    )
    con = land(tmp_path, "projects", "招商.csv", text)
    assert loaded(con, "projects", "contracted_amount_wan") == [(2, D("1234.5")), (3, D("80"))]
    assert columns_read(con, "contracted_amount_wan") == [
        ("协议引资额/千元", "千元", D("0.1"), "E")
    ]


def test_a_unit_row_under_the_header_in_yuan(tmp_path: Path) -> None:
    # The row under the header gives each figure's unit; 元 to 万元 is 0.0001.
    text = csv_file(
        "报告期,项目编号,项目名称,项目类别,协议引资额",
        ",,,,元",
        '2024-03,ZS-1,冰雪装备产业园,招商引资,"12,345,000"',
        "2024-03,ZS-2,生物医药产业园,招商引资,800000",
    )
    con = land(tmp_path, "projects", "招商.csv", text)
    assert receipt(con)["status"] == "accepted"
    assert loaded(con, "projects", "contracted_amount_wan") == [(3, D("1234.5")), (4, D("80"))]
    assert columns_read(con, "contracted_amount_wan") == [("协议引资额", "元", D("0.0001"), "E")]


def test_hundred_millions_to_yuan_keeps_eight_decimals(tmp_path: Path) -> None:
    # A visitor count in 亿人次 converts by 100,000,000; 元 to 亿元 the other way is 0.00000001,
    # which the factor column holds exactly.
    text = csv_file(
        "报告期,景区或类别,接待游客（亿人次）,旅游收入（元）",
        "2024-03,全市合计口径,0.0123,123456789",
    )
    con = land(tmp_path, "tourism_revenue", "旅游.csv", text)
    assert loaded(con, "tourism_revenue", "visitors", "revenue_wan") == [
        (2, 1_230_000, D("12345.6789"))
    ]
    assert columns_read(con, "visitors", "revenue_wan") == [
        ("接待游客（亿人次）", "亿人次", D("100000000"), "C"),
        ("旅游收入（元）", "元", D("0.0001"), "D"),
    ]


def test_a_unit_line_in_foreign_currency_is_refused_naming_it(tmp_path: Path) -> None:
    text = csv_file(
        "哈尔滨新区2024年3月招商引资项目情况表",
        "（单位：万美元）",
        "报告期,项目编号,项目名称,项目类别,协议引资额",
        "2024-03,ZS-1,冰雪装备产业园,招商引资,150",
    )
    en, zh = refused(land(tmp_path, "projects", "招商.csv", text))
    assert en == (
        "Column E (协议引资额) is given in 万美元, but the template's 协议引资额 is in 万元 and "
        "no exchange rate is configured: give the figures in 万元 and send the file again."
    )
    assert zh == (
        "第 E 列（协议引资额）的单位为“万美元”，而模板“协议引资额”的单位为“万元”，"
        "系统未配置汇率，无法换算：请按“万元”填报后重新报送。"
    )


def test_people_where_visits_are_counted_is_refused(tmp_path: Path) -> None:
    text = csv_file(
        "报告期,景区或类别,接待游客（万人）,旅游收入（万元）",
        "2024-03,太阳岛,1.2,350",
    )
    en, zh = refused(land(tmp_path, "tourism_revenue", "旅游.csv", text))
    assert en == (
        "Column C (接待游客（万人）) is given in 万人, but the template's 接待游客 is in 人次 and "
        "it is not a unit of the same measure: give the figures in 人次 and send the file again."
    )
    assert zh == (
        "第 C 列（接待游客（万人））的单位为“万人”，而模板“接待游客”的单位为“人次”，"
        "两者不是同一种计量，无法换算：请按“人次”填报后重新报送。"
    )


def test_a_unit_spaced_inside_its_brackets_is_read_whole(tmp_path: Path) -> None:
    # 万　元 (an ideographic space, as a title is centred) is 万元, never its last word 元;
    # 万 人次 is 万人次.
    text = csv_file(
        "报告期,景区或类别,接待游客（万 人次）,旅游收入（万\u3000元）",
        "2024-03,太阳岛,1.2,345.6",
    )
    con = land(tmp_path, "tourism_revenue", "旅游.csv", text)
    assert loaded(con, "tourism_revenue", "visitors", "revenue_wan") == [(2, 12_000, D("345.6"))]
    assert columns_read(con, "visitors", "revenue_wan") == [
        ("接待游客（万 人次）", "万人次", D("10000"), "C"),
        ("旅游收入（万\u3000元）", "万元", D("1"), "D"),
    ]


@pytest.mark.parametrize(
    "header, line", [("协议引资额（亿）", "（单位：万元）"), ("协议引资额", "单位：亿")]
)
def test_a_magnitude_with_no_unit_is_refused_naming_it(
    tmp_path: Path, header: str, line: str
) -> None:
    # （亿） or 单位：亿 says 亿 of something: taken for nothing, 12.5 亿元 loaded as 12.5 万元.
    text = csv_file(
        "哈尔滨新区2024年3月招商引资项目情况表",
        line,
        f"报告期,项目编号,项目名称,项目类别,{header}",
        "2024-03,ZS-1,冰雪装备产业园,招商引资,12.5",
    )
    en, zh = refused(land(tmp_path, "projects", "招商.csv", text))
    assert en.startswith(f"Column E ({header}) is given in 亿, but the template's 协议引资额 is in")
    assert "亿 names a magnitude but no unit" in en
    assert f"第 E 列（{header}）的单位为“亿”" in zh
    assert "“亿”只有数量级、没有计量单位（应写作“亿元”“亿人次”等）" in zh


def test_a_unit_line_in_mu_over_amounts_is_refused(tmp_path: Path) -> None:
    rows = [
        ["2024年3月招商引资项目情况表"],
        ["单位：亩", "", "", "", "填报日期：2024年4月5日"],
        ["报告期", "项目编号", "项目名称", "项目类别", "协议引资额"],
        ["2024-03", "ZS-1", "冰雪装备产业园", "招商引资", 300],
    ]
    en, zh = refused(land(tmp_path, "projects", "招商.xlsx", xlsx(rows)))
    assert "Column E (协议引资额) is given in 亩" in en
    assert "第 E 列（协议引资额）的单位为“亩”" in zh and "两者不是同一种计量，无法换算" in zh


def test_a_unit_line_applies_to_amounts_only_and_an_organisation_is_no_unit(
    tmp_path: Path,
) -> None:
    # 单位：亿元 speaks of the amounts: not of the visitor count, not of the dates.
    text = csv_file(
        "填报单位：市文化广电和旅游局",
        "单位：亿元",
        "报告期,景区或类别,接待游客,旅游收入",
        "2024-03,太阳岛,1200,0.035",
        "2024-03,冰雪大世界,800,0.0125",
    )
    con = land(tmp_path, "tourism_revenue", "旅游.csv", text)
    assert loaded(con, "tourism_revenue", "area", "visitors", "revenue_wan") == [
        (4, "太阳岛", 1200, D("350")),
        (5, "冰雪大世界", 800, D("125")),
    ]
    assert columns_read(con, "visitors", "revenue_wan", "area") == [
        ("接待游客", None, None, "C"),
        ("旅游收入", "亿元", D("10000"), "D"),
        ("景区或类别", None, None, "B"),
    ]


# --- 5. Headers as people draw them --------------------------------------------------------------


def test_this_month_beside_same_month_last_year_reads_this_month(tmp_path: Path) -> None:
    # 本月 and 上年同期 each merged over 接待游客 and 旅游收入: the prior year's are never taken.
    rows = [
        ["报告期", "景区或类别", "本月", "", "上年同期", ""],
        [
            "",
            "",
            "接待游客（万人次）",
            "旅游收入（万元）",
            "接待游客（万人次）",
            "旅游收入（万元）",
        ],
        ["2024-03", "太阳岛", 1.5, 350, 1.1, 200],
        ["2024-03", "冰雪大世界", 0.25, 120.5, 0.2, 99],
    ]
    merges = ((0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 0, 3), (0, 4, 0, 5))
    con = land(tmp_path, "tourism_revenue", "旅游.xlsx", xlsx(rows, merges))
    assert loaded(con, "tourism_revenue", "area", "visitors", "revenue_wan") == [
        (3, "太阳岛", 15000, D("350")),
        (4, "冰雪大世界", 2500, D("120.5")),
    ]
    assert columns_read(con, "visitors", "revenue_wan") == [
        ("本月/接待游客（万人次）", "万人次", D("10000"), "C"),
        ("本月/旅游收入（万元）", "万元", D("1"), "D"),
    ]
    warnings = receipt(con)
    assert warnings["warnings_en"] == (
        "Column(s) E (上年同期/接待游客（万人次）), F (上年同期/旅游收入（万元）) are not in the "
        "template and were not loaded; if one holds a figure the template asks for, give it the "
        "template's header and send the file again."
    )
    assert warnings["warnings_zh"] == (
        "第 E 列（上年同期/接待游客（万人次））、第 F 列（上年同期/旅游收入（万元））不在模板中，"
        "未导入；如其中是模板要求填报的数据，请改用模板表头后重新报送。"
    )


def test_only_a_year_to_date_revenue_is_refused_saying_which_column_it_is(
    tmp_path: Path,
) -> None:
    # Monthly revenue is required; a file that gives only 本年累计 must not pass it off as March's.
    text = csv_file(
        "报告期,景区或类别,旅游收入（万元）",
        ",,本年累计",
        "2024-03,太阳岛,950",
    )
    en, zh = refused(land(tmp_path, "tourism_revenue", "旅游.csv", text))
    assert (
        "missing 旅游收入; found A (报告期), B (景区或类别), C (旅游收入（万元）/本年累计)." in en
    )
    assert "Column C (旅游收入（万元）/本年累计) is not 旅游收入 as the template means it" in en
    assert (
        "缺少 旅游收入；文件中的列为 第 A 列（报告期）、第 B 列（景区或类别）、"
        "第 C 列（旅游收入（万元）/本年累计）。"
    ) in zh
    assert "第 C 列（旅游收入（万元）/本年累计）不是模板所指的“旅游收入”（口径不同）" in zh


def test_a_bracketed_qualifier_is_not_dropped_with_the_brackets(tmp_path: Path) -> None:
    # 旅游收入（上年同期） is last year's revenue, not this month's, though brackets usually hold
    # a unit; with 旅游收入 beside it, the month's figure is the unqualified one.
    text = csv_file(
        "报告期,景区或类别,旅游收入（上年同期）,旅游收入",
        "2024-03,太阳岛,200,350",
    )
    con = land(tmp_path, "tourism_revenue", "旅游.csv", text)
    assert loaded(con, "tourism_revenue", "revenue_wan") == [(2, D("350"))]
    assert columns_read(con, "revenue_wan") == [("旅游收入", None, None, "D")]


def test_two_columns_that_both_fit_are_refused_naming_letters_and_paths(tmp_path: Path) -> None:
    # 完成投资 over 本年 and 累计: either could be the year to date; the file must say which.
    text = csv_file(
        "报告期,项目编号,项目名称,项目类别,完成投资（万元）,",
        ",,,,本年,累计",
        "2024-03,ZD-1,松北道路工程,省市重点,1234.5,8000",
    )
    en, zh = refused(land(tmp_path, "projects", "重点.csv", text))
    assert en == (
        "Columns E (完成投资（万元）/本年) and F (完成投资（万元）/累计) all name the template "
        "column 本年完成投资: keep only one of them and send the file again."
    )
    assert zh == (
        "第 E 列（完成投资（万元）/本年）、第 F 列（完成投资（万元）/累计）都对应模板列"
        "“本年完成投资”：请只保留其中一列后重新报送。"
    )


def test_three_row_header_takes_this_year_not_since_work_began(tmp_path: Path) -> None:
    rows = [
        ["报告期", "项目编号", "项目名称", "项目类别", "投资情况（亿元）", "", "", ""],
        ["", "", "", "", "本年", "", "自开工累计", ""],
        ["", "", "", "", "计划", "完成", "计划", "完成"],
        ["2024-03", "ZD-1", "松北道路工程", "省市重点", 0.5, 0.12345, 3, 2.5],
    ]
    merges = (*((0, c, 2, c) for c in range(4)), (0, 4, 0, 7), (1, 4, 1, 5), (1, 6, 1, 7))
    con = land(tmp_path, "projects", "重点.xlsx", xlsx(rows, merges))
    assert loaded(
        con, "projects", "planned_annual_investment_wan", "completed_investment_ytd_wan"
    ) == [(4, D("5000"), D("1234.5"))]
    assert columns_read(con, "planned_annual_investment_wan", "completed_investment_ytd_wan") == [
        ("投资情况（亿元）/本年/计划", "亿元", D("10000"), "E"),
        ("投资情况（亿元）/本年/完成", "亿元", D("10000"), "F"),
    ]


def test_delivery_dates_under_one_parent_and_not_yet_delivered(tmp_path: Path) -> None:
    # 交付日期 merged over 计划 and 实际; 未交付 and — in the optional date read as empty.
    rows = [
        ["报告期", "学校或项目名称", "学段", "新增学位（个）", "交付日期", ""],
        ["", "", "", "", "计划", "实际"],
        ["2024-03", "松北第一小学", "小学", 1350, dt.date(2024, 9, 1), "未交付"],
        ["2024-03", "群力实验中学", "初中", 900, dt.date(2024, 3, 1), dt.date(2024, 3, 20)],
        ["2024-03", "利民九年一贯制学校", "九年一贯制", 450, "—", "—"],
    ]
    merges = (*((0, c, 1, c) for c in range(4)), (0, 4, 0, 5))
    con = land(tmp_path, "school_places", "学位.xlsx", xlsx(rows, merges))
    assert receipt(con)["status"] == "accepted", receipt(con)
    assert loaded(
        con, "school_places", "school_project", "places", "planned_delivery_on", "delivered_on"
    ) == [
        (3, "松北第一小学", 1350, dt.date(2024, 9, 1), None),
        (4, "群力实验中学", 900, dt.date(2024, 3, 1), dt.date(2024, 3, 20)),
        (5, "利民九年一贯制学校", 450, None, None),
    ]
    assert columns_read(con, "planned_delivery_on", "delivered_on", "places") == [
        ("交付日期/计划", None, None, "E"),
        ("交付日期/实际", None, None, "F"),
        ("新增学位（个）", "个", D("1"), "D"),
    ]


# --- 6. Rows that are not data -------------------------------------------------------------------


def test_three_rows_and_an_end_marker_are_accepted(tmp_path: Path) -> None:
    text = csv_file(
        "报告期,景区或类别,接待游客,旅游收入",
        "2024-03,太阳岛,1200,350",
        "2024-03,冰雪大世界,800,125",
        "2024-03,伏尔加庄园,300,40",
        "以下空白,,,",
    )
    con = land(tmp_path, "tourism_revenue", "旅游.csv", text)
    row = receipt(con)
    assert row["status"] == "accepted"
    assert loaded(con, "tourism_revenue", "area") == [
        (2, "太阳岛"),
        (3, "冰雪大世界"),
        (4, "伏尔加庄园"),
    ]
    assert row["warnings_en"] == "Row(s) 5: end-of-table marks (以下空白), not data; skipped."
    assert row["warnings_zh"] == "第 5 行为表格结束标记（以下空白等），不是数据，已跳过。"
    assert con.execute("select count(*) from ledger.quarantine").fetchone() == (0,)


def test_breakdowns_repeated_headers_sections_and_column_numbers_are_skipped(
    tmp_path: Path,
) -> None:
    # A register printed over two pages: the header and its 栏次 row again at the page break,
    # section headings, 其中 rows under a project, and 以下空白 in a merged row at the end.
    header = ["序号", "报告期", "项目编号", "项目名称", "项目类别", "协议引资额（万元）"]
    numbers = ["甲", "乙", "丙", "丁", "戊", "1"]
    rows = [
        header,
        numbers,
        ["一、招商引资项目"],
        [1, "2024-03", "ZS-1", "冰雪装备产业园", "招商引资", 1234.5],
        ["", "", "", "其中：外资", "", 1000],
        [2, "2024-03", "ZS-2", "生物医药产业园", "招商引资", 80],
        header,
        numbers,
        ["二、省市重点项目"],
        [3, "2024-03", "ZD-1", "松北道路工程", "省市重点", 0],
        ["以下空白"],
    ]
    merges = ((2, 0, 2, 5), (8, 0, 8, 5), (10, 0, 10, 5))
    con = land(tmp_path, "projects", "招商.xlsx", xlsx(rows, merges))
    row = receipt(con)
    assert row["status"] == "accepted", (row["message_en"], row["warnings_en"])
    assert loaded(con, "projects", "project_code", "contracted_amount_wan") == [
        (4, "ZS-1", D("1234.5")),
        (6, "ZS-2", D("80")),
        (10, "ZD-1", D("0")),
    ]
    assert row["warnings_zh"].split("；") == [
        "第 11 行为表格结束标记（以下空白等），不是数据，已跳过。",
        "第 5 行为“其中”分项行（属于上一行的组成部分），不是数据，已跳过。",
        "第 8 行为栏次行（甲、乙、1、2…），不是数据，已跳过。",
        "第 7 行为重复出现的表头（如分页打印的表头），不是数据，已跳过。",
        "第 3、9 行为分组标题行（如“一、…”），不是数据，已跳过。",
    ]
    assert "Row(s) 3, 9: section headings, not data; skipped." in row["warnings_en"]
    assert con.execute("select count(*) from ledger.quarantine").fetchone() == (0,)


def test_empty_markers_in_optional_columns_read_as_empty(tmp_path: Path) -> None:
    text = csv_file(
        "报告期,项目编号,项目名称,项目类别,投资方,资金来源,签约日期,协议引资额",
        "2024-03,ZS-1,冰雪装备产业园,招商引资,无,—,2024-03-05,1234.5",
        "2024-03,ZS-2,生物医药产业园,招商引资,哈药集团,内资,/,-",
        "2024-03,ZS-3,航空配套产业园,招商引资,暂无,－,——,–",
    )
    con = land(tmp_path, "projects", "招商.csv", text)
    assert receipt(con)["status"] == "accepted", receipt(con)
    assert loaded(
        con, "projects", "investor", "capital_source", "signed_on", "contracted_amount_wan"
    ) == [
        (2, None, None, dt.date(2024, 3, 5), D("1234.5")),
        (3, "哈药集团", "内资", None, None),
        (4, None, None, None, None),
    ]
    assert con.execute("select count(*) from ledger.quarantine").fetchone() == (0,)


def test_an_empty_marker_in_a_required_column_is_a_finding_showing_it(tmp_path: Path) -> None:
    # 报告期 is required: — there is not a month, and the finding shows what was typed.
    text = csv_file(
        "报告期,景区或类别,接待游客,旅游收入",
        *(f"2024-03,景区{i:02d},{1000 + i},{100 + i}" for i in range(1, 10)),
        "—,景区10,1010,110",
    )
    con = land(tmp_path, "tourism_revenue", "旅游.csv", text)
    assert con.execute(
        "select row_number, rule, value_found from ledger.quarantine"
    ).fetchall() == [(11, "month_format", "—")]
    assert [r[0] for r in loaded(con, "tourism_revenue", "area")] == list(range(2, 11))


def test_csv_columns_are_lettered_as_excel_shows_them(tmp_path: Path) -> None:
    # A blank first column and 序号 push the template's columns to C onwards.
    text = csv_file(
        ",序号,报告期,景区或类别,接待游客,旅游收入",
        ",1,2024-03,太阳岛,1200,350",
    )
    con = land(tmp_path, "tourism_revenue", "旅游.csv", text)
    assert [r[-1] for r in columns_read(con, "period", "area", "visitors", "revenue_wan")] == [
        "C",
        "D",
        "E",
        "F",
    ]


def test_a_dash_for_a_required_name_is_quarantined_by_both_engines(tmp_path: Path) -> None:
    # 景区或类别 is required text: — there names no area, and must not load as one.
    lines = [f"2024-03,景区{i:02d},{1000 + i},{100 + i}" for i in range(1, 10)]
    text = csv_file("报告期,景区或类别,接待游客,旅游收入", *lines, "2024-03,—,1010,110")
    con = land(tmp_path, "tourism_revenue", "旅游.csv", text)
    assert con.execute(
        "select row_number, rule, value_found from ledger.quarantine"
    ).fetchall() == [(11, "empty_marker", "—")]
    (submission_id,) = con.execute("select submission_id from ledger.submissions").fetchone()
    for engine in ("duckdb", "gx"):
        verdict = validate_submissions(con, "tourism_revenue", [submission_id], engine=engine)
        assert verdict[submission_id].quarantined_rows == 1, engine
        (finding,) = verdict[submission_id].examples
        assert finding.row_number == 11, engine


def test_a_unit_line_naming_people_is_refused_for_the_visitor_count(tmp_path: Path) -> None:
    # 单位：人 speaks of the visitors (people), who are counted in visits (人次): no conversion.
    text = csv_file(
        "单位：人",
        "报告期,景区或类别,接待游客,旅游收入",
        "2024-03,太阳岛,1200,350",
    )
    en, zh = refused(land(tmp_path, "tourism_revenue", "旅游.csv", text))
    assert en.startswith(
        "Column C (接待游客) is given in 人, but the template's 接待游客 is in 人次"
    )
    assert zh.startswith("第 C 列（接待游客）的单位为“人”，而模板“接待游客”的单位为“人次”")


def test_this_year_beside_since_work_began_takes_this_year(tmp_path: Path) -> None:
    text = csv_file(
        "报告期,项目编号,项目名称,项目类别,自开工累计完成投资,本年完成投资",
        "2024-03,ZD-1,松北道路工程,省市重点,9000,1234.5",
    )
    con = land(tmp_path, "projects", "重点.csv", text)
    assert loaded(con, "projects", "completed_investment_ytd_wan") == [(2, D("1234.5"))]
    assert columns_read(con, "completed_investment_ytd_wan") == [("本年完成投资", None, None, "F")]
    assert receipt(con)["warnings_zh"] == (
        "第 E 列（自开工累计完成投资）不在模板中，未导入；如其中是模板要求填报的数据，"
        "请改用模板表头后重新报送。"
    )


def test_statistics_month_year_to_date_and_growth_in_percent(tmp_path: Path) -> None:
    # 本月 beside 本年累计: the year to date is the contract's value; 同比增长% is in percent.
    text = csv_file(
        "2024年1-3月主要经济指标",
        "报告期,指标代码,指标名称,计量单位,本月,本年累计,同比增长%",
        "2024-03,retail_sales,社会消费品零售总额,亿元,80.5,230.25,5.2",
        "2024-03,fixed_asset_investment,固定资产投资,亿元,10,31.5,-1.5",
    )
    con = land(tmp_path, "headline_statistics", "指标.csv", text)
    assert receipt(con)["status"] == "accepted", receipt(con)
    assert loaded(con, "headline_statistics", "metric_code", "value_ytd", "growth_pct") == [
        (3, "retail_sales", D("230.25"), D("5.2")),
        (4, "fixed_asset_investment", D("31.5"), D("-1.5")),
    ]
    assert columns_read(con, "value_ytd", "growth_pct") == [
        ("本年累计", None, None, "F"),
        ("同比增长%", "%", D("1"), "G"),
    ]


def test_units_on_a_unit_row_of_bracketed_units_in_a_workbook(tmp_path: Path) -> None:
    # Under the header, a row giving each figure's unit in brackets, as WPS templates do.
    rows = [
        ["报告期", "景区或类别", "接待游客", "旅游收入"],
        ["", "", "（万人次）", "（亿元）"],
        ["2024-03", "太阳岛", 1.5, 0.035],
        ["2024-03", "伏尔加庄园", 0.03, 0.004],
        ["合计", "", 1.53, 0.039],
        ["以下无数据"],
    ]
    con = land(tmp_path, "tourism_revenue", "旅游.xlsx", xlsx(rows, ((5, 0, 5, 3),)))
    row = receipt(con)
    assert row["status"] == "accepted", row
    assert loaded(con, "tourism_revenue", "area", "visitors", "revenue_wan") == [
        (3, "太阳岛", 15000, D("350")),
        (4, "伏尔加庄园", 300, D("40")),
    ]
    assert columns_read(con, "visitors", "revenue_wan") == [
        ("接待游客", "万人次", D("10000"), "C"),
        ("旅游收入", "亿元", D("10000"), "D"),
    ]
    assert row["warnings_zh"] == "第 6 行为表格结束标记（以下空白等），不是数据，已跳过。"


def test_a_unit_sharing_brackets_with_a_qualifier(tmp_path: Path) -> None:
    text = csv_file(
        "报告期,景区或类别,旅游收入（本月，亿元）,旅游收入（上年同期，亿元）",
        "2024-03,太阳岛,0.035,0.02",
    )
    con = land(tmp_path, "tourism_revenue", "旅游.csv", text)
    assert loaded(con, "tourism_revenue", "revenue_wan") == [(2, D("350"))]
    assert columns_read(con, "revenue_wan") == [("旅游收入（本月，亿元）", "亿元", D("10000"), "C")]


def test_a_unit_in_the_titles_brackets_applies_to_the_amounts(tmp_path: Path) -> None:
    rows = [
        ["2024年3月旅游收入情况表（单位：亿元）"],
        ["报告期", "景区或类别", "接待游客", "旅游收入"],
        ["2024-03", "太阳岛", 1200, 0.035],
    ]
    con = land(tmp_path, "tourism_revenue", "旅游.xlsx", xlsx(rows, ((0, 0, 0, 3),)))
    assert loaded(con, "tourism_revenue", "visitors", "revenue_wan") == [(3, 1200, D("350"))]
    assert columns_read(con, "revenue_wan") == [("旅游收入", "亿元", D("10000"), "D")]


def test_a_title_with_the_unit_beside_it_still_gives_the_year(tmp_path: Path) -> None:
    # The title and 单位：万元 share the first line; months written 3月 take the title's year.
    rows = [
        ["2024年3月旅游收入情况表", "", "", "单位：万元"],
        ["报告期", "景区或类别", "接待游客", "旅游收入"],
        ["3月", "太阳岛", 1200, 350],
    ]
    con = land(tmp_path, "tourism_revenue", "旅游.xlsx", xlsx(rows))
    assert loaded(con, "tourism_revenue", "period", "revenue_wan") == [(3, MARCH, D("350"))]
    assert columns_read(con, "revenue_wan") == [("旅游收入", "万元", D("1"), "D")]


def test_a_csv_printed_page_by_page_repeats_title_and_header(tmp_path: Path) -> None:
    # Each page of the export starts again with the title and the header.
    title = "哈尔滨新区2024年3月旅游收入情况表"
    header = "报告期,景区或类别,接待游客,旅游收入"
    text = csv_file(
        f"{title},,,",
        header,
        "2024-03,太阳岛,1200,350",
        "2024-03,冰雪大世界,800,125",
        f"{title},,,",
        header,
        "2024-03,伏尔加庄园,300,40",
    )
    con = land(tmp_path, "tourism_revenue", "旅游.csv", text)
    row = receipt(con)
    assert row["status"] == "accepted", (row["message_en"], row["warnings_en"])
    assert loaded(con, "tourism_revenue", "area", "revenue_wan") == [
        (3, "太阳岛", D("350")),
        (4, "冰雪大世界", D("125")),
        (7, "伏尔加庄园", D("40")),
    ]
    assert row["warnings_en"] == "Row(s) 5, 6: the header printed again, not data; skipped."
    assert (
        row["warnings_zh"] == "第 5、6 行为重复出现的表头（如分页打印的表头），不是数据，已跳过。"
    )


def test_an_attachment_line_above_the_title_is_not_the_title(tmp_path: Path) -> None:
    # 附件2 over the title, as an official notice prints it; 3月 takes the title's year.
    text = csv_file(
        "附件2,,,",
        "2024年3月旅游收入情况表,,,",
        "报告期,景区或类别,接待游客,旅游收入",
        "3月,太阳岛,1200,350",
    )
    con = land(tmp_path, "tourism_revenue", "旅游.csv", text)
    assert loaded(con, "tourism_revenue", "period", "revenue_wan") == [(4, MARCH, D("350"))]
