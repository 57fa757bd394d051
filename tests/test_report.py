"""The scorecard reports, rendered from a small real DuckDB file written in the test: the HTML
page (escaped, offline, every status), the Excel export (formula-injection safe), the PNG, the
Dagster asset, and the page as Debian's chromium draws it."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from python_calamine import CalamineWorkbook

from assets.scorecard import scorecard
from bench import devtools
from pipelines.reports import report
from pipelines.reports.report import (
    STATUS_ZH,
    load_scorecard,
    render_html,
    render_png,
    target_text,
    write_reports,
)
from pipelines.resources import Warehouse
from pipelines.settings import CATALOG_ROOT
from tests.helpers import settings_for

AS_OF = dt.date(2024, 10, 1)
INJECTION = "=cmd|' /C calc'!A0"
SCRIPT_NAME = "<script>alert(1)</script>投资"

PROGRESS_COLUMNS = {
    "indicator_id": "varchar",
    "name_zh": "varchar",
    "name_en": "varchar",
    "unit": "varchar",
    "target_value": "double",
    "reference_indicator": "varchar",
    "reference_value": "double",
    "comparator": "varchar",
    "tolerance": "double",
    "actual_value": "double",
    "as_of": "date",
    "expected_progress": "double",
    "pct_of_target": "double",
    "status": "varchar",
    "status_zh": "varchar",
    "status_month": "date",
    "last_status_zh": "varchar",
    "projected_year_end": "double",
    "gap_pp": "double",
    "lead_department": "varchar",
    "lead_department_zh": "varchar",
    "feed": "varchar",
    # Keyed by plan year; the scorecard shows the current one.
    "plan_year": "integer",
    "is_current_plan_year": "boolean",
}
MONTHLY_COLUMNS = {"month": "date", **PROGRESS_COLUMNS}
FEED_STATUS_COLUMNS = {
    "feed": "varchar",
    "department": "varchar",
    "department_zh": "varchar",
    "last_period": "date",
    "next_due": "date",
    "days_overdue": "integer",
    "is_overdue": "boolean",
}


def indicator(
    indicator_id: str,
    status: str,
    *,
    name_zh: str = "新登记企业",
    comparator: str = ">=",
    unit: str = "户",
    target: float | None = 1000.0,
    actual: float | None = 800.0,
    expected: float | None = 10 / 12,
    department: str = "市场监督管理局",
    **overrides,
) -> dict:
    """One row of marts.indicator_progress, with plausible values for what a test leaves out."""
    share = None if actual is None or not target else actual / target
    return {
        "indicator_id": indicator_id,
        "plan_year": 2024,
        "is_current_plan_year": True,
        "name_zh": name_zh,
        "name_en": f"Indicator {indicator_id}",
        "unit": unit,
        "target_value": target,
        "reference_indicator": None,
        "reference_value": None,
        "comparator": comparator,
        "tolerance": 0.5 if comparator in ("about", "in_step") else None,
        "actual_value": actual,
        "as_of": None if actual is None else AS_OF,
        "expected_progress": expected,
        "pct_of_target": share,
        "status": status,
        "status_zh": STATUS_ZH[status],
        "status_month": None if actual is None else AS_OF,
        "last_status_zh": STATUS_ZH[status],
        "projected_year_end": None if actual is None else actual * 1.2,
        "gap_pp": None,
        "lead_department": "market_regulation",
        "lead_department_zh": department,
        "feed": "enterprise_registrations",
    } | overrides


# One indicator per status and per kind of comparator, plus two hostile names.
SMALL_CARD = [
    indicator("T01", "met", comparator=">", unit="个", target=100.0, actual=104.0),
    indicator("T02", "ahead", unit="亿元", actual=900.0, department="投资促进局"),
    indicator(
        "T03",
        "on_pace",
        comparator="about",
        unit="%",
        target=6.5,
        actual=6.3,
        expected=None,
        name_zh=SCRIPT_NAME,
    ),
    indicator("T04", "behind", actual=500.0, name_zh=INJECTION),
    indicator("T05", "no_data", actual=None, unit="亩"),
    indicator(
        "T16",
        "on_pace",
        comparator="in_step",
        unit="%",
        target=None,
        actual=6.0,
        expected=None,
        reference_indicator="T19",
        reference_value=6.3,
        pct_of_target=6.0 / 6.3,
    ),
]


def monthly_rows(progress: list[dict]) -> list[dict]:
    """January to the as-of month of each indicator, rising towards its actual."""
    rows = []
    for row in progress:
        for month in range(1, 13):
            reported = row["actual_value"] is not None and month <= AS_OF.month
            rows.append(
                row
                | {
                    "month": dt.date(2024, month, 1),
                    "actual_value": row["actual_value"] * month / 10 if reported else None,
                    "expected_progress": None if row["expected_progress"] is None else month / 12,
                }
            )
    return rows


def create_table(con: duckdb.DuckDBPyConnection, table: str, columns: dict, rows: list[dict]):
    con.execute(f"create table {table} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    marks = ", ".join("?" * len(columns))
    con.executemany(
        f"insert into {table} values ({marks})", [[r[c] for c in columns] for r in rows]
    )


def analysts_file(path: Path, progress: list[dict], feed_status: list[dict] | None = None):
    """A real analysts' DuckDB file holding the two scorecard marts (and feed status, if any)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        create_table(con, "marts.indicator_progress", PROGRESS_COLUMNS, progress)
        create_table(
            con, "marts.indicator_progress_monthly", MONTHLY_COLUMNS, monthly_rows(progress)
        )
        if feed_status is not None:
            create_table(con, "marts.feed_status", FEED_STATUS_COLUMNS, feed_status)
    return path


def render(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return render_html(load_scorecard(con))


class IndicatorCards(HTMLParser):
    """Collects each indicator card of the page: its id, status, status word and pace marker."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, dict] = {}
        self._card: dict | None = None
        self._in_status = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "article" and "indicator" in classes:
            self._card = {"status": attributes["data-status"], "word": "", "pace": False}
            self.cards[attributes["data-indicator"]] = self._card
        elif self._card is not None:
            self._in_status = "status" in classes
            self._card["pace"] |= "pace-marker" in classes

    def handle_data(self, data: str) -> None:
        if self._in_status and self._card is not None:
            self._card["word"] += data.strip()

    def handle_endtag(self, tag: str) -> None:
        self._in_status = False
        if tag == "article":
            self._card = None


def cards_of(page: str) -> dict[str, dict]:
    parser = IndicatorCards()
    parser.feed(page)
    return parser.cards


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    return analysts_file(tmp_path / "warehouse" / "analysts.duckdb", SMALL_CARD)


def test_html_shows_every_indicator_with_its_chinese_status_word(small_file):
    cards = cards_of(render(small_file))
    assert set(cards) == {row["indicator_id"] for row in SMALL_CARD}
    for row in SMALL_CARD:
        card = cards[row["indicator_id"]]
        assert (card["status"], card["word"]) == (row["status"], row["status_zh"])


def test_pace_marker_only_where_expected_progress_is_known(small_file):
    cards = cards_of(render(small_file))
    for row in SMALL_CARD:
        assert cards[row["indicator_id"]]["pace"] == (row["expected_progress"] is not None)


def test_html_header_counts_statuses_and_dates_the_data(small_file):
    page = render(small_file)
    assert "哈尔滨新区2024年工作计划目标进度" in page
    assert "数据截至 <strong>2024年10月</strong>" in page
    assert "北京时间" in page
    assert '<span class="n">2</span><span class="w">达进度</span>' in page
    assert '<span class="n">1</span><span class="w">数据缺报</span>' in page


def test_html_opens_offline_and_escapes_every_value(small_file):
    page = render(small_file)
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;投资" in page
    assert "=cmd|&#39; /C calc&#39;!A0" in page


@pytest.mark.parametrize(
    ("indicator_id", "text"),
    [
        ("T01", "> 100个"),
        ("T02", "≥ 1,000亿元"),
        ("T03", "≈ 6.5%（±0.5个百分点）"),
        ("T16", "与T19同步（6.3%）"),
    ],
)
def test_target_reads_with_its_comparator_and_unit(indicator_id, text):
    (row,) = [row for row in SMALL_CARD if row["indicator_id"] == indicator_id]
    assert target_text(row) == text


def test_overdue_feeds_are_listed_and_a_missing_table_is_said_plainly(tmp_path, small_file):
    assert "暂无报送状态数据" in render(small_file)
    overdue = {
        "feed": "tourism_revenue",
        "department": "culture_tourism",
        "department_zh": "文化广电和旅游局",
        "last_period": dt.date(2024, 8, 1),
        "next_due": dt.date(2024, 10, 10),
        "days_overdue": 21,
        "is_overdue": True,
    }
    on_time = overdue | {"feed": "projects", "department_zh": "投资促进局", "is_overdue": False}
    page = render(analysts_file(tmp_path / "feeds.duckdb", SMALL_CARD, [overdue, on_time]))
    feeds = page[page.index('<section class="feeds">') :]
    assert "文化广电和旅游局" in feeds and "21 天" in feeds and "2024年8月" in feeds
    assert "投资促进局" not in feeds


def test_reports_are_written_and_the_workbook_neutralises_formulas(small_file, tmp_path):
    paths = write_reports(small_file, tmp_path / "reports")
    assert set(paths) == {"html", "png", "xlsx"}
    book = CalamineWorkbook.from_path(str(paths["xlsx"]))
    assert book.sheet_names == ["指标进度", "月度历史"]
    scorecard_sheet = book.get_sheet_by_name("指标进度").to_python()
    assert scorecard_sheet[0][:4] == ["指标编号", "指标名称", "英文名称", "牵头部门"]
    names = {row[0]: row[1] for row in scorecard_sheet[1:]}
    assert names["T04"] == "'" + INJECTION
    for sheet in book.sheet_names:
        for row in book.get_sheet_by_name(sheet).to_python():
            assert not any(isinstance(c, str) and c.startswith(("=", "+", "-", "@")) for c in row)
    png = paths["png"].read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000


@pytest.mark.filterwarnings("ignore:Glyph .* missing")
def test_png_renders_without_a_chinese_font(small_file, tmp_path, monkeypatch):
    monkeypatch.setattr(report, "cjk_fonts", lambda: ["DejaVu Sans"])
    with duckdb.connect(str(small_file), read_only=True) as con:
        render_png(load_scorecard(con), tmp_path / "plain.png")
    assert (tmp_path / "plain.png").read_bytes().startswith(b"\x89PNG")


def test_scorecard_asset_writes_reports_next_to_the_analysts_file(tmp_path):
    settings = settings_for(tmp_path)
    analysts_file(settings.analysts, SMALL_CARD)
    result = dg.materialize(
        [scorecard],
        resources={"warehouse": Warehouse.from_settings(settings)},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert event.asset_key == dg.AssetKey(["analysts", "scorecard"])
    for kind, name in [
        ("html", "scorecard.html"),
        ("png", "scorecard.png"),
        ("xlsx", "scorecard.xlsx"),
    ]:
        assert metadata[kind].value == str(tmp_path / "reports" / name)
        assert (tmp_path / "reports" / name).exists()
    assert metadata["scorecard"].value.startswith("![scorecard](data:image/png;base64,iVBORw0KG")


# ---------------------------------------------------------------------------------------------
# In a real browser
# ---------------------------------------------------------------------------------------------

CHROMIUM_FLAGS = devtools.CHROMIUM_FLAGS


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; installed with apt-get when missing (as root), else the test skips."""
    found = shutil.which("chromium")
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        for command in (
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", "chromium"],
        ):
            subprocess.run(command, capture_output=True, timeout=900, check=False)
        found = shutil.which("chromium")
    if found is None:
        pytest.skip("chromium is not installed and apt-get could not install it (needs root)")
    return found


def run_chromium(chromium: str, profile: Path, *args: str) -> str:
    """One headless chromium run with a fresh profile; returns what it printed."""
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


# What each status looks like as a share of the target, for the browser's realistic plan.
SHARE_BY_STATUS = {"met": 1.06, "ahead": 0.93, "on_pace": 0.85, "behind": 0.68, "no_data": None}


def full_plan() -> list[dict]:
    """The plan's 21 targets from the catalog (latest version each), cycling through the
    statuses, with actuals consistent with their status."""
    with open(CATALOG_ROOT / "departments.csv", encoding="utf-8") as handle:
        departments = {d["department_code"]: d["name_zh"] for d in csv.DictReader(handle)}
    with open(CATALOG_ROOT / "targets.csv", encoding="utf-8") as handle:
        targets = {t["indicator_id"]: t for t in csv.DictReader(handle)}  # later versions win
    statuses = list(SHARE_BY_STATUS)
    plan = []
    for n, (indicator_id, t) in enumerate(sorted(targets.items())):
        status = statuses[n % len(statuses)]
        target = float(t["target_value"]) if t["target_value"] else None
        base = target or 6.3  # in_step: T19's actual
        share = SHARE_BY_STATUS[status]
        plan.append(
            indicator(
                indicator_id,
                status,
                name_zh=t["name_zh"],
                comparator=t["comparator"],
                unit=t["unit"],
                target=target,
                actual=None if share is None else round(base * share, 2),
                expected=None if t["measure"].startswith("growth") else 10 / 12,
                department=departments[t["lead_department"]],
                reference_indicator=t["reference_indicator"] or None,
                reference_value=None if target else base,
                pct_of_target=share,
            )
        )
    return plan


def test_chromium_renders_all_21_indicators_and_saves_a_screenshot(
    chromium, tmp_path_factory, record_property
):
    artifacts = tmp_path_factory.mktemp("scorecard-browser")
    plan = full_plan()
    paths = write_reports(analysts_file(artifacts / "analysts.duckdb", plan), artifacts)
    url = paths["html"].as_uri()
    started = time.monotonic()
    dom = run_chromium(chromium, artifacts / "profile-dom", "--dump-dom", url)
    screenshot = artifacts / "screenshot.png"
    run_chromium(
        chromium,
        artifacts / "profile-shot",
        f"--screenshot={screenshot}",
        "--window-size=1400,2400",
        url,
    )
    cards = cards_of(dom)
    assert set(cards) == {row["indicator_id"] for row in plan}
    for row in plan:
        assert cards[row["indicator_id"]]["word"] == row["status_zh"]
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    assert screenshot.stat().st_size > 50_000
    record_property("screenshot", str(screenshot))
    print(f"scorecard screenshot: {screenshot} ({time.monotonic() - started:.1f}s in chromium)")


# Measures the laid-out page in the browser: how far the document reaches past the window. The
# page itself runs no script (its CSP forbids it), so the test's copy drops that one line.
MEASURE = (
    "<script>addEventListener('load', () => document.body.setAttribute('data-overflow', "
    "document.documentElement.scrollWidth - innerWidth))</script>"
)


@pytest.mark.parametrize("width", [360, 390, 420, 1400])
def test_the_scorecard_fits_a_phone_and_a_desktop_without_sideways_scrolling(
    chromium, tmp_path_factory, record_property, width: int
):
    artifacts = tmp_path_factory.mktemp(f"scorecard-{width}px")
    paths = write_reports(analysts_file(artifacts / "analysts.duckdb", full_plan()), artifacts)
    page = paths["html"].read_text(encoding="utf-8")
    csp = re.search(r'<meta http-equiv="Content-Security-Policy"[^>]*>', page).group(0)
    measured = artifacts / "measured.html"
    measured.write_text(page.replace(csp, "").replace("</body>", MEASURE + "</body>"))
    dom = run_chromium(
        chromium,
        artifacts / "profile-dom",
        f"--window-size={width},900",
        "--virtual-time-budget=5000",
        "--dump-dom",
        measured.as_uri(),
    )
    overflow = int(re.search(r'data-overflow="(-?\d+)"', dom).group(1))
    assert overflow <= 0, f"{overflow} px wider than a {width} px screen"
    screenshot = artifacts / f"scorecard-{width}px.png"
    run_chromium(
        chromium,
        artifacts / "profile-shot",
        f"--screenshot={screenshot}",
        f"--window-size={width},{2400 if width > 1000 else 4200}",
        paths["html"].as_uri(),
    )
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    record_property("screenshot", str(screenshot))


def test_a_growth_target_reads_as_its_gap_in_percentage_points(tmp_path):
    growth = indicator(
        "T12",
        "ahead",
        comparator=">=",
        unit="%",
        target=30.0,
        actual=34.29,
        expected=None,
        name_zh="旅游收入增长",
        gap_pp=4.29,
    )
    page = render(analysts_file(tmp_path / "analysts.duckdb", [growth]))
    assert "差距 <b>+4.29个百分点</b>" in page
    assert "完成目标 <b>" not in page
