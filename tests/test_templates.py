"""The department templates speak the clerk's language: the 填表说明 sheet is all Chinese (what a
row and 报告期 mean for the feed's kind, each department's own cadence, units), metric codes are
picked by their Chinese names, and the reader takes the name for the code."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
from python_calamine import CalamineWorkbook

from pipelines.files.contracts import FEEDS
from pipelines.files.templates import write_templates
from pipelines.store.ingest import prepare, receive_feed
from tests.helpers import settings_for

# Words a clerk may meet in Chinese instructions: file types, the program they come from, and
# the national standard the credit code follows (GB 32100-2015).
ALLOWED_LATIN = {"Excel", "xlsx", "CSV", "GB"}


def instructions(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("填表说明").to_python()


def about(path: Path) -> dict[str, str]:
    """The labelled lines above the column table (its first use of each label)."""
    found: dict[str, str] = {}
    for row in instructions(path):
        if row and row[0]:
            found.setdefault(row[0], row[1])
    return found


def test_instructions_are_all_chinese_and_say_what_a_month_means(tmp_path: Path) -> None:
    templates = write_templates(tmp_path)
    for feed in FEEDS:
        rows = instructions(templates[feed])
        text = " ".join(str(cell) for row in rows for cell in row if cell)
        latin = set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_LATIN
        assert not latin, (feed, latin)
    projects = about(templates["projects"])
    assert projects["报告期"].startswith("报告期为清单截至的月份：填截至该月末的完整清单")
    tourism = about(templates["tourism_revenue"])
    assert tourism["报告期"].startswith("报告期为发生的月份：只填该月发生的数（当月数）")
    headline = about(templates["headline_statistics"])
    assert headline["报告期"].startswith("报告期为累计截至的月份：填1月至该月的累计数")
    # The science bureau reports its stock once a year; the others every month.
    assert "统计局：每月报送，于每月15日前报送上月数据" in headline["报送时间"]
    assert (
        "科技和工业信息化局：每年报送一次，于次年1月15日前报送当年12月（全年）数据"
        in (headline["报送时间"])
    )
    assert "统计局：地区生产总值、规模以上工业增加值" in headline["报送分工"]


def test_metric_codes_are_picked_by_their_chinese_names(tmp_path: Path) -> None:
    path = write_templates(tmp_path)["headline_statistics"]
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    # The drop-down on 指标代码 (column B) lists the names, not the codes.
    [listed] = re.findall(r'sqref="B[^"]*"[^>]*>\s*<formula1>"([^"]*)"', sheet) or re.findall(
        r'<dataValidation[^>]*sqref="B[^"]*">\s*<formula1>"([^"]*)"', sheet
    )
    assert listed.split(",")[:3] == ["地区生产总值", "规模以上工业增加值", "社会消费品零售总额"]
    assert "gdp" not in listed


def test_a_metric_given_by_its_chinese_name_is_read_as_its_code(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    folder = settings.landing / "headline_statistics" / "statistics"
    folder.mkdir(parents=True)
    (folder / "2024年3月.csv").write_text(
        "报告期,指标代码,指标名称,本期累计值,计量单位,累计同比增长\n"
        "2024-03,地区生产总值,地区生产总值,190.52,亿元,6.3\n"
        "2024-03, 社会消费品零售总额 ,社会消费品零售总额,88.1,亿元,-1.5\n",
        encoding="utf-8",
    )
    con = duckdb.connect()
    prepare(con)
    [submission] = receive_feed(con, settings.landing, settings.archive, "headline_statistics")
    assert submission.status == "received", submission.message_en
    typed = con.execute(
        "select metric_code, value_ytd from staging.headline_statistics_typed order by 2 desc"
    ).fetchall()
    assert typed == [("gdp", Decimal("190.52")), ("retail_sales", Decimal("88.1"))]
    # …and the raw layer keeps what the clerk typed (trimmed, as every cell is).
    raw = con.execute("select metric_code from raw.headline_statistics order by row_number")
    assert raw.fetchall() == [("地区生产总值",), ("社会消费品零售总额",)]


def test_finance_naming_a_statistics_metric_by_its_name_is_still_refused(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    folder = settings.landing / "headline_statistics" / "finance"
    folder.mkdir(parents=True)
    (folder / "2024年3月.csv").write_text(
        "报告期,指标代码,指标名称,本期累计值,计量单位,累计同比增长\n"
        "2024-03,地区生产总值,地区生产总值,190.52,亿元,6.3\n",
        encoding="utf-8",
    )
    con = duckdb.connect()
    prepare(con)
    [submission] = receive_feed(con, settings.landing, settings.archive, "headline_statistics")
    assert submission.status == "rejected"
    assert "gdp" in submission.message_en and "budget_revenue" in submission.message_en
