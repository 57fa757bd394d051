"""Any year's plan, not only 2024: a plan is a file the supervision office (督查室) drops like any
department's figures, and every mart is keyed by plan year.

One deployment, judged on 20 March 2025, goes through the whole path once: the seed's 2024 plan
(dropped as the demo drops it) and two years of tourism figures are refreshed; then a 2025 plan
made from the `workplan templates` workbook, with a March revision of one target, lands in the
supervision office's folder and is picked up by the plans sensor's tick and its run; then a bad
plan file is rejected with Chinese reasons and changes nothing. No code names 2025.

Tier: sensors under their build context and real runs on a temporary DuckDB deployment.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import zipfile
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import xlsxwriter
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from pipelines.cli import main
from pipelines.definitions import build_definitions
from pipelines.files.templates import write_templates
from pipelines.reports.report import UnknownPlanYear, load_scorecard
from pipelines.settings import PROJECT_ROOT
from tests.helpers import drop_csv, run_refresh, settings_for

OFFICE = "supervision_office"
CROSS_YEAR_QUERY = PROJECT_ROOT / "docs" / "queries" / "14_same_month_a_plan_year_before.sql"
TOURISM = ("tourism_revenue", "culture_tourism")
JUDGED_ON = "2025-03-20"


def settle(path: Path) -> Path:
    """Date the file a minute back, as if its copy finished long before the sensor's tick."""
    then = time.time() - 60
    os.utime(path, (then, then))
    return path


def tourism(year: int, months: range, revenue: float) -> list[dict]:
    return [
        dict(period=f"{year}-{m:02d}", area="太阳岛风景区", revenue_wan=revenue) for m in months
    ]


def drop_downs(template: Path) -> dict[str, list[str]]:
    """The template's drop-down lists by column letter, as the clerk sees them in Excel."""
    sheet = zipfile.ZipFile(template).read("xl/worksheets/sheet1.xml").decode()
    found = re.findall(r'sqref="([A-Z]+)2:[^"]*"[^>]*>\s*<formula1>"([^"]*)"', sheet)
    return {column: listed.split(",") for column, listed in found}


def fill_template(template: Path, path: Path, rows: list[dict[str, object]]) -> Path:
    """The clerk's copy of the template: its header row as written, the example row replaced by
    the office's rows, each coded cell picked from the template's own drop-down list."""
    [headers, *_] = CalamineWorkbook.from_path(str(template)).get_sheet_by_index(0).to_python()
    lists = drop_downs(template)
    letters = {h: xlsxwriter.utility.xl_col_to_name(n) for n, h in enumerate(headers)}
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("年度工作计划考核目标表")
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, header in enumerate(headers):
            value = row.get(header)
            if value is None:
                continue
            if header in letters and letters[header] in lists:
                assert value in lists[letters[header]], (header, value)
            if isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    return settle(path)


# fmt: off
# The 2025 plan as the supervision office writes it: 旅游收入增长 again (T12, the same measure as
# in 2024, a new target), 新登记企业 (T08) again, and a new indicator T22.
PLAN_2025 = [
    {"生效月份": "2025-01", "指标编号": "T12", "指标名称": "旅游收入增长", "目标值": 25,
     "比较方式": "达到以上", "计量单位": "%", "计算口径": "同比增长",
     "牵头单位": "文化广电和旅游局",
     "数据来源报表": "旅游收入情况表", "数据报送单位": "文化广电和旅游局",
     "数据指标": "旅游收入", "统计频率": "月度"},
    {"生效月份": "2025-01", "指标编号": "T08", "指标名称": "新登记企业", "目标值": 12000,
     "比较方式": "达到以上", "计量单位": "户", "计算口径": "累计个数", "牵头单位": "市场监督管理局",
     "数据来源报表": "企业登记及认定备案情况表", "数据报送单位": "市场监督管理局",
     "数据指标": "新登记企业数", "统计频率": "月度"},
    {"生效月份": "2025-01", "指标编号": "T22", "指标名称": "旅游收入", "目标值": 2000,
     "比较方式": "达到以上", "计量单位": "万元", "计算口径": "累计金额",
     "牵头单位": "文化广电和旅游局",
     "数据来源报表": "旅游收入情况表", "数据报送单位": "文化广电和旅游局",
     "数据指标": "旅游收入", "统计频率": "月度"},
]
# In March the office lowers T22's target: a new version from March, the original kept.
REVISION_2025 = [
    dict(period="2025-03", indicator_id="T22", name_zh="旅游收入", target_value=1800,
         comparator=">=", unit="万元", measure="sum", lead_department="culture_tourism",
         feed="tourism_revenue", source_department="culture_tourism",
         metric_code="tourism_revenue_wan", frequency="monthly"),
]
# A plan file with three mistakes: a feed that does not exist, T30 twice, a 左右 target without
# its tolerance.
BAD_PLAN = [
    dict(period="2026-01", indicator_id="T30", name_zh="天气", target_value=1, comparator=">=",
         unit="个", measure="count", lead_department="statistics", feed="天气预报表",
         source_department="statistics", metric_code="gdp", frequency="monthly"),
    dict(period="2026-01", indicator_id="T30", name_zh="天气", target_value=2, comparator=">=",
         unit="个", measure="count", lead_department="statistics", feed="headline_statistics",
         source_department="statistics", metric_code="gdp", frequency="monthly"),
    dict(period="2026-01", indicator_id="T31", name_zh="地区生产总值增长", target_value=6,
         comparator="about", unit="%", measure="growth_reported", lead_department="statistics",
         feed="headline_statistics", source_department="statistics", metric_code="gdp",
         frequency="monthly"),
]

# fmt: on


def progress(con) -> dict[tuple[int, str], tuple]:
    rows = con.execute(
        "select plan_year, indicator_id, is_current_plan_year, status, status_zh, as_of, "
        "actual_value, target_value from marts.indicator_progress"
    ).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def sensor_run(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.RunRequest:
    """One tick of the plans sensor, as the daemon evaluates it on a deployment it has just
    opened (no cursor), and the run it asks for, executed as the daemon would launch it."""
    context = dg.build_sensor_context(
        instance=instance, resources={"warehouse": defs.resources["warehouse"]}
    )
    [request] = defs.resolve_sensor_def("landing_plans").evaluate_tick(context).run_requests
    job = defs.resolve_job_def("ingest_plans")
    assert job.execute_in_process(instance=instance, tags=request.tags).success
    return request


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory):
    """The deployment after each stage: the 2024 plan alone, then the 2025 plan, then the bad
    file; what the analysts' file said at each, read once."""
    home = tmp_path_factory.mktemp("plan_years")
    settings = settings_for(home, as_of_date=JUDGED_ON)
    # 2023: 100 a month; 2024: 130 (+30%); 2025 January and February: 156 (+20%).
    drop_csv(settings, *TOURISM, "2023年.csv", tourism(2023, range(1, 13), 100))
    drop_csv(settings, *TOURISM, "2024年.csv", tourism(2024, range(1, 13), 130))
    drop_csv(settings, *TOURISM, "2025年1-2月.csv", tourism(2025, range(1, 3), 156))
    assert run_refresh(settings).success
    stages = {}
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        stages["2024 only"] = progress(con)

    templates = write_templates(home / "templates")
    folder = settings.landing / "plans" / OFFICE
    fill_template(templates["plans"], folder / "2025年工作计划考核目标.xlsx", PLAN_2025)
    settle(drop_csv(settings, "plans", OFFICE, "2025年目标调整（3月起）.csv", REVISION_2025))
    defs = build_definitions(settings)
    with dg.DagsterInstance.ephemeral() as instance:
        stages["2025 request"] = sensor_run(defs, instance)
        with duckdb.connect(str(settings.analysts), read_only=True) as con:
            stages["2025"] = progress(con)
            stages["2025 card"] = load_scorecard(con)
            stages["2024 card"] = load_scorecard(con, year=2024)
            stages["query 14"] = con.execute(CROSS_YEAR_QUERY.read_text(encoding="utf-8"))
            stages["query 14"] = stages["query 14"].fetchall()
            stages["targets"] = con.execute(
                "select plan_year, indicator_id, version, valid_from, target_value, is_current "
                "from marts.target_history where plan_year = 2025 order by all"
            ).fetchall()
        settle(drop_csv(settings, "plans", OFFICE, "2026年计划（有误）.csv", BAD_PLAN))
        stages["bad request"] = sensor_run(defs, instance)
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        stages["after bad"] = progress(con)
        stages["plan years"] = con.execute(
            "select distinct plan_year from marts.dim_indicator order by 1"
        ).fetchall()
        stages["ledger"] = con.execute(
            "select file_name, status, rows_accepted, message_zh from ledger.submissions "
            "where feed = 'plans' order by received_at"
        ).fetchall()
    return settings, stages


def test_the_plan_template_speaks_the_office_s_language(tmp_path: Path) -> None:
    template = write_templates(tmp_path)["plans"]
    book = CalamineWorkbook.from_path(str(template))
    assert book.sheet_names == ["年度工作计划考核目标表", "填表说明"]
    [headers, example, *_] = book.get_sheet_by_index(0).to_python()
    assert headers[:3] == ["生效月份", "指标编号", "指标名称"]
    assert "示例" in example[2]
    lists = drop_downs(template)
    assert lists["G"] == ["超过", "达到以上", "左右", "同步"]  # 比较方式, by its words
    assert lists["L"][:2] == ["招商引资及省市重点项目情况表", "企业登记及认定备案情况表"]
    about: dict[str, str] = {}  # the labelled lines above the column table
    for row in book.get_sheet_by_name("填表说明").to_python():
        if row and row[0]:
            about.setdefault(row[0], row[1])
    assert about["报送单位"] == "督查室"
    assert about["生效月份"].startswith("生效月份为本表目标开始执行的月份，其年份即计划年度")


def test_before_the_second_plan_the_seed_plan_is_the_current_year(deployment) -> None:
    _, stages = deployment
    before = stages["2024 only"]
    assert {year for year, _ in before} == {2024} and len(before) == 21
    # 2024 is over on 20 March 2025 and December was due on 10 January: T12 grew 30% (1560
    # against 1200 万元), its target is >= 30%: 已完成.
    assert before[(2024, "T12")] == (True, "met", "已完成", dt.date(2024, 12, 1), 30.0, 30.0)


def test_the_second_plan_is_picked_up_by_the_sensor_validated_and_recorded(deployment) -> None:
    settings, stages = deployment
    request = stages["2025 request"]
    assert request.run_key.startswith("plans-") and request.tags["files"] == "2"
    plan, revision, _ = stages["ledger"][1:]
    assert plan[:3] == ("2025年工作计划考核目标.xlsx", "accepted", 3)
    assert revision[:3] == ("2025年目标调整（3月起）.csv", "accepted", 1)
    receipts = sorted(p.name for p in (settings.outbox / OFFICE).iterdir())
    assert any("2025年工作计划考核目标" in name for name in receipts), receipts


def test_a_revised_target_is_a_new_version_and_the_original_stays(deployment) -> None:
    _, stages = deployment
    t22 = [row for row in stages["targets"] if row[1] == "T22"]
    assert t22 == [
        (2025, "T22", 1, dt.date(2025, 1, 1), 2000.0, False),
        (2025, "T22", 2, dt.date(2025, 3, 1), 1800.0, True),
    ]


def test_the_second_year_is_scored_and_the_finished_year_keeps_its_final_statuses(
    deployment,
) -> None:
    _, stages = deployment
    after = stages["2025"]
    assert len(after) == 21 + 3
    # The finished year, no longer current, keeps its final status and stays queryable.
    assert after[(2024, "T12")] == (False, "met", "已完成", dt.date(2024, 12, 1), 30.0, 30.0)
    # T12 in 2025, against the feed's own 2024 (312 against 260 万元 to February): +20%, below
    # the 25% target by more than the 5% band: 欠进度.
    assert after[(2025, "T12")] == (True, "behind", "欠进度", dt.date(2025, 2, 1), 20.0, 25.0)
    # T22: 312 万元 of 1800 (the revised target) is 17.3% at 2/12 = 16.7% of the year: 达进度.
    assert after[(2025, "T22")] == (True, "on_pace", "达进度", dt.date(2025, 2, 1), 312.0, 1800.0)
    # T08 is the same measure as in 2024; no registrations were sent, February is due: 数据缺报.
    assert after[(2025, "T08")] == (True, "no_data", "数据缺报", None, None, 12000.0)


def test_the_scorecard_shows_the_current_year_and_renders_any_past_one(deployment) -> None:
    settings, stages = deployment
    current, past = stages["2025 card"], stages["2024 card"]
    assert current.plan_year == 2025 and current.plan_name == "哈尔滨新区2025年工作计划目标进度"
    assert [r["indicator_id"] for r in current.progress] == ["T08", "T12", "T22"]
    assert past.plan_year == 2024 and len(past.progress) == 21
    assert {r["month"].year for r in past.monthly} == {2024}
    # The command line, in process: `workplan scorecard --year 2024`, and a year with no plan.
    home = {"WORKPLAN_HOME": str(settings.home), "COLUMNS": "200"}
    shown = CliRunner().invoke(main, ["scorecard", "--year", "2024"], env=home)
    assert shown.exit_code == 0, shown.output
    assert "哈尔滨新区2024年工作计划目标进度" in shown.output and "│ T21 " in shown.output
    missing = CliRunner().invoke(main, ["scorecard", "--year", "2019"], env=home)
    assert missing.exit_code == 1 and "未收到2019年的工作计划" in missing.output
    with (
        duckdb.connect(str(settings.analysts), read_only=True) as con,
        pytest.raises(UnknownPlanYear, match="未收到2019年的工作计划"),
    ):
        load_scorecard(con, year=2019)


def test_a_bad_plan_is_rejected_with_chinese_reasons_and_changes_nothing(deployment) -> None:
    _, stages = deployment
    name, status, accepted, reasons = stages["ledger"][-1]
    assert (name, status, accepted) == ("2026年计划（有误）.csv", "rejected", 0)
    assert "“数据来源报表”只能填写" in reasons
    assert "同一生效月份的同一指标编号出现在多行" in reasons
    assert "比较方式为“左右”或“同步”时必须填写“允许偏差”" in reasons
    assert stages["plan years"] == [(2024,), (2025,)]
    assert stages["after bad"] == stages["2025"]


def test_the_analysts_compare_an_indicator_with_the_same_month_a_plan_year_before(
    deployment,
) -> None:
    # docs/queries/14, exactly as the doc shows it: T12 grew 20% to February 2025 against 30% to
    # February 2024 (260 against 200 万元; 30% is its 2024 target: 达进度), 10 points less; T08 has
    # no 2025 figure and T22 was in no 2024 plan, so neither has a year before to compare with.
    _, stages = deployment
    feb = dt.date(2025, 2, 1)
    assert stages["query 14"] == [
        ("T08", "新登记企业", "户", 2025, None, None, 12000.0, "数据缺报", *[None] * 5),
        (
            "T12",
            "旅游收入增长",
            "%",
            2025,
            feb,
            20.0,
            25.0,
            "欠进度",
            2024,
            30.0,
            30.0,
            "达进度",
            -10.0,
        ),
        ("T22", "旅游收入", "万元", 2025, feb, 312.0, 1800.0, "达进度", *[None] * 5),
    ]
