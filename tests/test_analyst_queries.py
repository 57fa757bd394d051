"""The analysts' side of the warehouse: every query in docs/queries answers its question on the
demo warehouse, with the values checked by hand; the published file describes every table and
column; docs/warehouse.md shows each query exactly as its file holds it, and every column.

Tier: end to end through the real command line. The demo (`workplan demo`, conftest's session
fixture) tells the story up to October 2025 with two plans, 2024's (over) and 2025's (current),
judged on 2025-11-20, with every file accepted: it has nothing rejected, quarantined or restated,
and one file never sent (the commerce bureau's October 2025 list). So this module copies it once
and plays one more day on the copy with the real `workplan refresh`, judged on 2025-12-20
(November's figures were due on 10 or 15 December):

- the demo generator's November files arrive from every department but three;
- investment sends a November register whose 3 rows name an unknown project category (招商): all
  3 break a rule, more than the 20% allowed, so the file is rejected and November still owed;
- education resends its October register as November plus one 高中 project: that row is
  quarantined (学段 allows 小学, 初中, 九年一贯制) and the file accepted;
- human resources sends nothing for November but corrects October: 21 practice centres instead
  of 18, which moves T10 (2025 target 24) from 18/24 = 0.75 (behind 序时进度 10/12 = 0.8333 by
  more than the 0.05 band) to 21/24 = 0.875 (on pace: within 0.8333 ± 0.05).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines.demo.scenario import write_demo_feeds
from pipelines.settings import PROJECT_ROOT, Settings
from tests.helpers import drop_csv, settings_for, workplan

QUERIES = PROJECT_ROOT / "docs" / "queries"
DOC = PROJECT_ROOT / "docs" / "warehouse.md"
PUBLISHED_SCHEMAS = ("marts", "ledger")
DECEMBER_DAY = "2025-12-20"
NOVEMBER = dt.date(2025, 11, 1)
OCTOBER = dt.date(2025, 10, 1)
# Landing folders whose November file arrives on time; investment, education and human resources
# are handled by hand below.
ON_TIME = [
    "enterprise_registrations/commerce",
    "enterprise_registrations/market_regulation",
    "enterprise_registrations/science_technology",
    "headline_statistics/agriculture",
    "headline_statistics/finance",
    "headline_statistics/statistics",
    "projects/development_reform",
    "tourism_revenue/culture_tourism",
]
REJECTED_FILE = "2025年11月招商引资项目台账.csv"
QUARANTINED_FILE = "2025年11月新增义务教育学位情况.csv"
CORRECTED_FILE = "2025年10月产教融合工作进展情况.csv"
CORRECTION_FILE = "2025年10月产教融合工作进展情况（更正）.csv"


@dataclass(frozen=True)
class December:
    """The analysts' file after the extra day, and the scorecard the demo published before it
    (both plan years'), by plan year and indicator."""

    analysts: Path
    scorecard_before: dict[tuple[int, str], tuple]


def deliver_november(settings: Settings, scratch: Path) -> None:
    """Drop the extra day's files (see the module docstring) into the copy's landing folder."""
    for path in write_demo_feeds(scratch, through="2025-11"):
        folder = path.parent.relative_to(scratch).as_posix()
        if path.name.startswith("2025年11月") and folder in ON_TIME:
            shutil.copy2(path, settings.landing / folder / path.name)
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        register = rows_of(
            con,
            "select * exclude (department, period, submission_id) from marts.fact_school_places "
            "where period = date '2025-10-01' order by school_project",
        )
        human_resources = rows_of(
            con,
            "select metric_code, metric_name, value_ytd, unit from marts.fact_headline_statistics "
            "where department = 'human_resources' and period = date '2025-10-01'",
        )
    drop_csv(
        settings,
        "projects",
        "investment",
        REJECTED_FILE,
        [
            dict(
                period="2025-11",
                project_code=f"ZS2025-9{i}",
                project_name="待补录",
                project_type="招商",
            )
            for i in range(3)
        ],
    )
    drop_csv(
        settings,
        "school_places",
        "education",
        QUARANTINED_FILE,
        [{**row, "period": "2025-11"} for row in register]
        + [dict(period="2025-11", school_project="新区第一高级中学", stage="高中", places=1200)],
    )
    drop_csv(
        settings,
        "headline_statistics",
        "human_resources",
        CORRECTION_FILE,
        [
            {**row, "period": "2025-10"}
            | ({"value_ytd": 21} if row["metric_code"] == "industry_education_centres" else {})
            for row in human_resources
        ],
    )


@pytest.fixture(scope="module")
def december(demo, tmp_path_factory: pytest.TempPathFactory) -> December:
    """A copy of the demo warehouse after one more day, judged on 2025-12-20 by the real CLI."""
    demo_home, _ = demo
    home = tmp_path_factory.mktemp("december") / "home"
    shutil.copytree(demo_home, home)
    settings = settings_for(home)
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        before = con.execute(
            "select plan_year, indicator_id, as_of, actual_value, status "
            "from marts.indicator_progress"
        ).fetchall()
    deliver_november(settings, tmp_path_factory.mktemp("november"))
    result = workplan(home, "refresh", env={"WORKPLAN_AS_OF_DATE": DECEMBER_DAY})
    assert result.returncode == 0, result.stdout + result.stderr
    return December(settings.analysts, {row[:2]: row[2:] for row in before})


@pytest.fixture
def con(december: December):
    with duckdb.connect(str(december.analysts), read_only=True) as connection:
        yield connection


def rows_of(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    """The rows of a query as dicts keyed by column name."""
    cursor = con.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def answer(con: duckdb.DuckDBPyConnection, query: str) -> list[dict]:
    """Run a docs/queries file exactly as the doc shows it."""
    return rows_of(con, (QUERIES / query).read_text(encoding="utf-8"))


def scorecard(con: duckdb.DuckDBPyConnection, indicator: str, plan_year: int = 2025) -> dict:
    """An indicator's scorecard row of a plan year, by default the current one (2025)."""
    (row,) = rows_of(
        con,
        "select * from marts.indicator_progress where indicator_id = ? and plan_year = ?",
        [indicator, plan_year],
    )
    return row


QUERY_FILES = sorted(p.name for p in QUERIES.glob("*.sql"))


def test_there_are_at_least_ten_analyst_questions():
    assert len(QUERY_FILES) >= 10


@pytest.mark.parametrize("query", QUERY_FILES)
def test_every_query_answers_its_question_on_the_demo_warehouse(con, query):
    question = (QUERIES / query).read_text(encoding="utf-8").splitlines()[0]
    assert question.startswith("-- ") and question.endswith("?"), "first line: the question"
    assert answer(con, query), f"{query} returned no rows"


def test_late_departments_are_the_two_that_sent_no_good_november_file_and_commerce(con):
    rows = answer(con, "01_late_departments.sql")
    # Commerce still owes October (due 10 November: 40 days by 20 December) though it sent
    # November; projects are due on the 10th and headline statistics on the 15th of December.
    assert [(r["department"], r["feed"], r["month_owed"], r["days_overdue"]) for r in rows] == [
        ("commerce", "enterprise_registrations", OCTOBER, 40),
        ("investment", "projects", NOVEMBER, 10),
        ("human_resources", "headline_statistics", NOVEMBER, 5),
    ]


def test_projects_over_ten_yi_signed_in_q3_come_from_the_latest_good_register(con):
    rows = answer(con, "02_projects_over_10_yi_signed_in_q3.sql")
    # Investment's November file was rejected: its latest register is October 2025's.
    register = rows_of(
        con,
        "select project_code, signed_on, contracted_amount_wan from marts.fact_projects "
        "where project_type = '招商引资' and period = date '2025-10-01'",
    )
    expected = {
        r["project_code"]
        for r in register
        if dt.date(2025, 7, 1) <= r["signed_on"] <= dt.date(2025, 9, 30)
        and r["contracted_amount_wan"] > 100_000  # 10 亿元 = 100,000 万元
    }
    assert {r["project_code"] for r in rows} == expected
    assert {r["register_month"] for r in rows} == {OCTOBER}
    amounts = [r["contracted_amount_yi"] for r in rows]
    assert amounts == sorted(amounts, reverse=True)


def test_t08_climbs_month_by_month_to_the_scorecard_figure(con):
    rows = answer(con, "03_t08_month_by_month.sql")
    assert [r["month"] for r in rows] == [dt.date(2025, m, 1) for m in range(1, 12)]
    values = [r["actual_value"] for r in rows]
    assert values == sorted(values)  # a count of registrations since January never falls
    assert values[-1] == scorecard(con, "T08")["actual_value"]
    assert [r["expected_progress"] for r in rows] == [round(m / 12, 4) for m in range(1, 12)]


def test_the_rejected_file_is_named_with_the_reason(con):
    (row,) = answer(con, "04_rejected_files.sql")
    assert (row["department"], row["file_name"]) == ("investment", REJECTED_FILE)
    assert row["message_en"].startswith("Rejected: 3 of 3 rows (100%) break the rules")
    assert row["message_zh"].startswith("退回：3行中有3行（100%）不符合要求")


def test_the_correction_moved_t10_from_behind_to_on_pace(con):
    rows = answer(con, "05_status_changed_by_restatement.sql")
    # October's figure went from behind to on pace; T11's figure in the same file did not change
    # status, so only T10 is listed. November is owed by human resources (5 days late), so the
    # current status of both is 数据缺报, whatever October said.
    assert [
        (
            r["indicator_id"],
            r["previous_status"],
            r["status"],
            r["current_status_zh"],
            r["actual_value"],
            r["correction_file"],
            r["replaced_file"],
        )
        for r in rows
    ] == [("T10", "behind", "on_pace", "数据缺报", 21.0, CORRECTION_FILE, CORRECTED_FILE)]


def test_scenic_areas_add_up_to_t22(con):
    rows = answer(con, "06_scenic_area_revenue_growth.sql")
    t22 = scorecard(con, "T22")
    growth = [r["growth_pct"] for r in rows]
    assert growth == sorted(growth, reverse=True)
    assert {r["through_month"] for r in rows} == {t22["as_of"]} == {NOVEMBER}
    # The areas' revenues summed give the district's revenue to November, T22's actual.
    assert round(float(sum(r["revenue_wan"] for r in rows)), 2) == t22["actual_value"]
    # And T12's measure, had 2025 kept it: each area's growth is its sums' ratio.
    for r in rows:
        ratio = float(r["revenue_wan"]) / float(r["revenue_last_year_wan"])
        assert r["growth_pct"] == round((ratio - 1) * 100, 2), r["area"]


def test_held_back_rows_by_reason(con):
    rows = answer(con, "07_quarantine_by_reason.sql")
    assert [
        (r["feed"], r["file_status"], r["column_name"], r["rule"], r["rows_held"], r["files"])
        for r in rows
    ] == [
        ("projects", "rejected", "项目类别", "allowed_values", 3, REJECTED_FILE),
        (
            "school_places",
            "accepted_with_quarantine",
            "学段",
            "allowed_values",
            1,
            QUARANTINED_FILE,
        ),
    ]


def test_high_tech_stock_is_last_decembers_stock_plus_the_net_increase(con):
    rows = answer(con, "08_high_tech_stock_by_month.sql")
    # T07 is in the 2024 plan only (2025's dropped it): 2024's twelve months, from the 1,398
    # enterprises the science bureau reported for December 2023.
    assert [(r["plan_year"], r["month"]) for r in rows] == [
        (2024, dt.date(2024, m, 1)) for m in range(1, 13)
    ]
    assert {r["stock_last_december"] for r in rows} == {1398}
    for r in rows:
        assert r["stock"] == r["stock_last_december"] + r["net_increase_ytd"]
    assert rows[-1]["stock"] == scorecard(con, "T07", plan_year=2024)["actual_value"]


def test_key_projects_not_started_have_no_start_date_in_the_november_register(con):
    rows = answer(con, "09_key_projects_not_started.sql")
    assert {r["register_month"] for r in rows} == {NOVEMBER}
    started = rows_of(
        con,
        "select project_code from marts.fact_projects where project_type = '省市重点' "
        "and period = date '2025-11-01' and started_on is not null",
    )
    assert not {r["project_code"] for r in rows} & {r["project_code"] for r in started}


def test_the_scorecard_on_2025_12_01_is_what_the_demo_published(december, con):
    rows = answer(con, "10_scorecard_on_a_date.sql")
    said = {
        (r["plan_year"], r["indicator_id"]): (r["as_of"], r["actual_value"], r["status"])
        for r in rows
    }
    assert said == december.scorecard_before
    assert {r["evaluated_on"] for r in rows} == {dt.date(2025, 11, 20)}
    assert said[2025, "T10"][1:] == (18.0, "behind")  # before the correction
    assert said[2024, "T10"][1:] == (16.0, "missed")  # 16 of 20 in December 2024


def test_behind_pace_lists_each_gap_to_pace(con):
    rows = answer(con, "11_behind_pace_by_department.sql")
    behind = rows_of(
        con, "select indicator_id from marts.indicator_progress where status = 'behind'"
    )
    assert {r["indicator_id"] for r in rows} == {r["indicator_id"] for r in behind}
    assert "T10" not in {r["indicator_id"] for r in rows}  # on pace since the correction
    assert all(r["gap_to_pace"] < 0 for r in rows)
    t06 = next(r for r in rows if r["indicator_id"] == "T06")
    # Net increase as a share of 2025's 220, minus 11/12 (rounded to 0.9167 in the mart).
    assert t06["gap_to_pace"] == round(t06["actual_value"] / 220 - 0.9167, 4)


def test_t08_rests_on_one_market_regulation_file_per_month(con):
    rows = answer(con, "12_files_behind_t08.sql")
    assert [r["period"] for r in rows] == [dt.date(2025, m, 1) for m in range(1, 12)]
    for month, r in enumerate(rows, start=1):
        assert r["department"] == "market_regulation"
        assert r["file_name"].startswith(f"2025年{month:02d}月新登记企业情况.")
    # Each of those files holds only new registrations: their accepted rows add up to T08.
    assert sum(r["rows_accepted"] for r in rows) == scorecard(con, "T08")["actual_value"]


def test_every_actual_recomputed_from_the_facts_agrees_with_the_scorecard(con):
    rows = answer(con, "13_actuals_recomputed_from_facts.sql")
    # Both plan years: 2024's 21 indicators, 2025's without T07 and T12 and with T22 and T23.
    in_2024 = [f"T{i:02d}" for i in range(1, 22)]
    in_2025 = [i for i in in_2024 if i not in ("T07", "T12")] + ["T22", "T23"]
    assert [(r["plan_year"], r["indicator_id"]) for r in rows] == [
        *((2024, i) for i in in_2024),
        *((2025, i) for i in in_2025),
    ]
    disagree = [r for r in rows if not r["agrees"]]
    assert not disagree


def test_every_published_table_and_column_is_described_in_english_with_the_chinese_term(con):
    described = rows_of(
        con,
        "select schema_name, table_name, null as column_name, comment from duckdb_tables() "
        "where schema_name in ('marts', 'ledger') "
        "union all "
        "select schema_name, table_name, column_name, comment from duckdb_columns() "
        "where schema_name in ('marts', 'ledger')",
    )
    tables = {(r["schema_name"], r["table_name"]) for r in described}
    assert len(tables) == 23  # 15 marts and 8 ledger tables
    missing = [
        (r["schema_name"], r["table_name"], r["column_name"])
        for r in described
        if not (
            r["comment"]
            and re.search(r"[A-Za-z]{3}", r["comment"])
            and re.search(r"[\u4e00-\u9fff]", r["comment"])
        )
    ]
    assert not missing, f"described without English and Chinese: {missing}"


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def test_the_doc_shows_every_query_file_exactly_and_no_other():
    shown = re.findall(r"\]\(queries/([^)]+\.sql)\)\n\n```sql\n(.*?)```", doc_text(), re.S)
    assert sorted(name for name, _ in shown) == QUERY_FILES
    for name, sql in shown:
        assert sql == (QUERIES / name).read_text(encoding="utf-8"), f"the doc's copy of {name}"


def test_the_doc_names_every_column_of_every_published_table(con):
    sections = dict(
        re.findall(r"^### ((?:marts|ledger)\.\w+)\n(.*?)(?=^#)", doc_text(), re.S | re.M)
    )
    columns = rows_of(
        con,
        "select schema_name || '.' || table_name as qualified, list(column_name) as names "
        "from duckdb_columns() where schema_name in ('marts', 'ledger') group by all",
    )
    assert {r["qualified"] for r in columns} == set(sections)
    for r in columns:
        unnamed = [c for c in r["names"] if f"`{c}`" not in sections[r["qualified"]]]
        assert not unnamed, f"{r['qualified']}: {unnamed}"


def test_the_doc_formula_table_follows_the_catalog(con):
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| (T\d\d) \|.*$", doc_text(), re.M)}
    catalog = rows_of(
        con, "select indicator_id, measure, metric_code, source_department from marts.dim_indicator"
    )
    assert set(rows) == {r["indicator_id"] for r in catalog}
    for r in catalog:
        cells = [cell.strip() for cell in rows[r["indicator_id"]].split(" | ")]
        assert cells[3] == f"`{r['measure']}`", r["indicator_id"]
        assert f"`{r['metric_code']}`" in cells[4] and f"({r['source_department']})" in cells[4]
