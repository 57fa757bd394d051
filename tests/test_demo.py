"""The demo department files: reproducible, shaped like the contracts, and telling the story."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from pipelines.checks.credit_code import is_valid
from pipelines.demo.scenario import write_demo_feeds
from pipelines.files.contracts import FEEDS, load_contract, normalise_header
from pipelines.files.headers import HeaderMatch
from pipelines.files.reading import canonical_select, load_file
from pipelines.store.warehouse import run_sql

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("landing")
    write_demo_feeds(root)
    return root


@pytest.fixture(scope="module")
def two_plan_years(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files `workplan demo` writes: through October 2025, the demo's second plan year."""
    root = tmp_path_factory.mktemp("two_plan_years")
    write_demo_feeds(root, through="2025-10")
    return root


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def read_file(path: Path) -> tuple[HeaderMatch, list[dict[str, str | None]]]:
    """A file as the pipeline reads it: its header match and data rows keyed by column name."""
    contract = load_contract(path.parent.parent.name)
    con = duckdb.connect()
    run_sql(con, "setup/parsers")
    match = load_file(con, path, contract, "landed")
    cursor = con.execute(canonical_select(match, contract, "landed"))
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    con.close()
    return match, rows


def records(landing: Path, feed: str, department: str) -> list[dict[str, str | None]]:
    """Rows of one department's files keyed by canonical column name."""
    out = []
    for path in sorted((landing / feed / department).iterdir()):
        out += read_file(path)[1]
    return out


def test_same_seed_gives_byte_identical_files(landing: Path, tmp_path: Path) -> None:
    returned = write_demo_feeds(tmp_path)
    assert sorted(returned) == sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert files(tmp_path) == files(landing)


def test_another_seed_gives_other_data(landing: Path, tmp_path: Path) -> None:
    write_demo_feeds(tmp_path, seed=7)
    other, ours = files(tmp_path), files(landing)
    assert other.keys() == ours.keys()
    changed = [name for name in ours if other[name] != ours[name]]
    assert len(changed) > len(ours) / 2


def test_an_earlier_through_writes_the_same_files_up_to_that_month(
    landing: Path, tmp_path: Path
) -> None:
    write_demo_feeds(tmp_path, through="2023-06")
    full = files(landing)
    expected = {name: data for name, data in full.items() if Path(name).name[:8] <= "2023年06月"}
    assert files(tmp_path) == expected


def test_through_outside_the_story_is_refused(tmp_path: Path) -> None:
    for through in ("2026-01", "2022-12", "2024/10"):
        with pytest.raises(ValueError):
            write_demo_feeds(tmp_path, through=through)


def test_layout_is_one_file_per_feed_department_and_month(landing: Path) -> None:
    per_folder = Counter(p.parent.relative_to(landing).as_posix() for p in landing.rglob("*.*"))
    for feed in FEEDS:
        for department in load_contract(feed).departments:
            # A yearly stock, and the plan (one file: the seed's 2024 plan), besides the months.
            once = {("headline_statistics", "science_technology"), ("plans", "supervision_office")}
            expected = 1 if (feed, department) in once else 22
            assert per_folder.pop(f"{feed}/{department}") == expected, (feed, department)
    assert not per_folder
    names = [p.name for p in landing.rglob("*.*")]
    assert all(name.startswith(("2023年", "2024年")) for name in names)


def test_every_file_has_every_contract_column_under_its_template_header(landing: Path) -> None:
    for path in landing.rglob("*.*"):
        contract = load_contract(path.parent.parent.name)
        match, _ = read_file(path)
        assert {
            name: normalise_header(header.split("/")[-1]) for name, header in match.headers.items()
        } == {c.name: normalise_header(c.header_zh) for c in contract.columns}, path
        assert not match.warnings, path


def test_market_regulation_sends_its_own_workbook_for_the_first_quarter_of_2024(
    landing: Path,
) -> None:
    folder = landing / "enterprise_registrations" / "market_regulation"
    workbooks = sorted(p.name for p in folder.glob("*.xlsx"))
    assert workbooks == [f"2024年0{m}月新登记企业情况.xlsx" for m in (1, 2, 3)]
    match, rows = read_file(folder / "2024年03月新登记企业情况.xlsx")
    assert match.title == "2024年3月哈尔滨新区新登记企业情况表"
    # A 序号 column; 报告期 merged down the data rows; the header spans rows 3 and 4 (parents
    # such as 企业基本情况 over their sub-columns).
    assert (match.row_index, match.header_rows) == (2, 2)
    assert (match.positions["period"], rows[0]["period"]) == (1, "2024-03")
    assert rows[0]["row_number"] == 5 and {r["period"] for r in rows} == {"2024-03"}
    assert match.metadata == {
        "填报单位": "哈尔滨新区市场监督管理局",
        "填报人": "王丽",
        "审核人": "张伟",
        "联系电话": "0451-58761234",
    }
    sheet = CalamineWorkbook.from_path(str(folder / "2024年03月新登记企业情况.xlsx"))
    cells = sheet.get_sheet_by_index(0).to_python()
    assert cells[len(rows) + 4][:3] == ["合计", "", f"{len(rows)}户"]  # read, never counted


def test_culture_tourism_reports_in_yuan_as_gbk_with_a_title_and_total(landing: Path) -> None:
    path = landing / "tourism_revenue" / "culture_tourism" / "2024年03月旅游收入情况.csv"
    lines = path.read_bytes().decode("gbk").splitlines()
    assert lines[:3] == [
        "2024年3月哈尔滨新区旅游收入情况表",
        "",
        "报告期,景区或类别,接待游客（人次）,旅游收入（元）",
    ]
    assert lines[-2].startswith("合计,,")
    match, rows = read_file(path)
    assert match.title_year == 2024 and match.metadata["填报人"] == "李娜"
    revenue = [Decimal(r["revenue_wan"].replace(",", "")) for r in rows]
    assert all(value % 100 == 0 for value in revenue)  # 万元 with two decimals, written in 元


def test_statistics_files_are_gbk_not_utf8(landing: Path) -> None:
    paths = list((landing / "headline_statistics" / "statistics").iterdir())
    assert paths
    for path in paths:
        data = path.read_bytes()
        data.decode("gb18030")
        data.decode("gbk")
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")


def test_education_files_are_real_workbooks(landing: Path) -> None:
    paths = list((landing / "school_places" / "education").iterdir())
    assert paths and all(p.suffix == ".xlsx" for p in paths)
    for path in paths:
        workbook = CalamineWorkbook.from_path(str(path))
        assert len(workbook.sheet_names) == 1
        assert len(workbook.get_sheet_by_index(0).to_python()) > 5


def test_files_arrive_5th_to_9th_of_the_next_month_at_ten(landing: Path) -> None:
    for path in landing.rglob("*.*"):
        arrived = datetime.fromtimestamp(path.stat().st_mtime, SHANGHAI)
        period = datetime.strptime(path.name[:8], "%Y年%m月").replace(tzinfo=SHANGHAI)
        following = (period + timedelta(days=31)).replace(day=1)
        assert (arrived.year, arrived.month) == (following.year, following.month), path
        assert 5 <= arrived.day <= 9 and (arrived.hour, arrived.minute) == (10, 0), path


def test_about_ten_thousand_new_registrations_in_2023(landing: Path) -> None:
    rows = records(landing, "enterprise_registrations", "market_regulation")
    new_2023 = [r for r in rows if r["event_type"] == "新登记" and r["period"].startswith("2023")]
    assert 9_000 <= len(new_2023) <= 11_000
    assert all(r["event_date"][:7] == r["period"] for r in rows)


def test_credit_codes_are_valid_and_unique(landing: Path) -> None:
    codes = [
        row["credit_code"]
        for department in load_contract("enterprise_registrations").departments
        for row in records(landing, "enterprise_registrations", department)
    ]
    assert len(codes) > 15_000
    assert all(is_valid(code) for code in codes)
    assert len(set(codes)) == len(codes)


def test_october_2024_tells_the_story(landing: Path) -> None:
    """A few of the positions the scoring must find (pace by October is 10/12)."""
    investment = [r for r in records(landing, "projects", "investment") if r["period"] == "2024-10"]
    assert 90 <= len(investment) <= 100  # T01 >100: ahead of pace
    contracted = sum(float(r["contracted_amount_wan"]) for r in investment) / 10_000
    assert 760 <= contracted <= 800  # T02 1000 亿: a little behind
    key = [
        r for r in records(landing, "projects", "development_reform") if r["period"] == "2024-10"
    ]
    started = [r for r in key if (r["started_on"] or "").startswith("2024")]
    assert 68 <= len(started) <= 76  # T04 100: behind
    assert 125 <= sum(float(r["completed_investment_ytd_wan"]) for r in key) / 10_000 <= 135
    events = records(landing, "enterprise_registrations", "science_technology")
    net = Counter(r["event_type"] for r in events if r["period"].startswith("2024"))
    assert 90 <= net["高企认定"] - net["高企撤销"] <= 130  # T06 200: behind


def files_and_times(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in root.rglob("*.*")
    }


def test_the_2024_part_of_the_longer_story_is_the_story_through_2024(
    two_plan_years: Path, tmp_path: Path
) -> None:
    write_demo_feeds(tmp_path, through="2024-12")
    longer = files_and_times(two_plan_years)
    assert files_and_times(tmp_path) == {
        name: kept for name, kept in longer.items() if Path(name).name[:5] in ("2023年", "2024年")
    }


# SHA-256 over every file of `write_demo_feeds(..., through="2024-12")` (path, bytes, mtime in
# ns, in path order) as the code wrote them before the story had a 2025: taken from that code's
# tree, so 2025's draws (from generators of their own) provably left 2023 and 2024 as they were.
# The year-end 2024 stock of high-tech enterprises came with 2025 (its plan year owes it), so it
# is not part of that tree.
TWO_YEAR_STORY = "f74ec7ca966daca7186d94d130c2737d6ba807153fbb9a582b99161e860fd5cc"
ADDED_WITH_2025 = "headline_statistics/science_technology/2024年12月高新技术企业总数.csv"


def test_the_2023_and_2024_files_are_the_bytes_and_times_they_were_before_2025(
    tmp_path: Path,
) -> None:
    write_demo_feeds(tmp_path, through="2024-12")
    digest = hashlib.sha256()
    for name, (data, mtime) in sorted(files_and_times(tmp_path).items()):
        if name != ADDED_WITH_2025:
            digest.update(name.encode() + data + str(mtime).encode())
    assert digest.hexdigest() == TWO_YEAR_STORY


def test_the_second_plan_is_the_office_s_file_for_2025(two_plan_years: Path) -> None:
    folder = two_plan_years / "plans" / "supervision_office"
    assert sorted(p.name for p in folder.iterdir()) == [
        "2024年01月起执行工作计划考核目标.csv",
        "2025年01月起执行工作计划考核目标.csv",
    ]
    plan = folder / "2025年01月起执行工作计划考核目标.csv"
    # It arrives as it takes effect, in early January (the figures arrive the month after).
    arrived = datetime.fromtimestamp(plan.stat().st_mtime, SHANGHAI)
    assert (arrived.year, arrived.month, arrived.hour) == (2025, 1, 10) and 5 <= arrived.day <= 9
    old = {
        r["indicator_id"]: r for r in read_file(folder / "2024年01月起执行工作计划考核目标.csv")[1]
    }
    new = {r["indicator_id"]: r for r in read_file(plan)[1]}
    assert {r["period"] for r in new.values()} == {"2025-01"}
    # T07 dropped; T12 (growth of tourism revenue) redefined as the revenue itself, T22; T23 added.
    assert old.keys() - new.keys() == {"T07", "T12"}
    assert new.keys() - old.keys() == {"T22", "T23"}
    assert (new["T22"]["measure"], new["T22"]["metric_code"]) == ("sum", "tourism_revenue_wan")
    assert (old["T12"]["measure"], old["T12"]["metric_code"]) == ("growth", "tourism_revenue_wan")
    # A kept id is the same measure, with its new target: most raised.
    kept = old.keys() & new.keys()
    for field in ("measure", "metric_code", "source_department", "comparator", "unit"):
        assert all(old[i][field] == new[i][field] for i in kept), field
    targets = {
        i: (Decimal(old[i]["target_value"]), Decimal(new[i]["target_value"]))
        for i in kept
        if old[i]["target_value"]
    }
    raised = sorted(i for i, (before, after) in targets.items() if after > before)
    lowered = sorted(i for i, (before, after) in targets.items() if after < before)
    assert lowered == ["T03", "T14"] and len(raised) == 14


def test_october_2025_tells_the_story(two_plan_years: Path) -> None:
    """A few of the 2025 positions the scoring must find (pace by October is 10/12)."""
    investment = [
        r for r in records(two_plan_years, "projects", "investment") if r["period"] == "2025-10"
    ]
    assert len(investment) > 120 * 10 / 12 + 120 * 0.05  # T01 >120: ahead of pace
    contracted = sum(float(r["contracted_amount_wan"]) for r in investment) / 10_000
    assert contracted < 1100 * (10 / 12 - 0.05)  # T02 1100 亿: behind
    centres = [
        r["value_ytd"]
        for r in records(two_plan_years, "headline_statistics", "human_resources")
        if r["period"] == "2025-10" and r["metric_code"] == "industry_education_centres"
    ]
    assert centres == ["18"]  # T10 24: 0.75, behind
    # The commerce bureau never sends its October list: T09 has no October figure.
    folder = two_plan_years / "enterprise_registrations" / "commerce"
    sent = sorted(p.name[:8] for p in folder.iterdir() if p.name.startswith("2025"))
    assert sent == [f"2025年{m:02d}月" for m in range(1, 10)]
