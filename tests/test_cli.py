"""End to end through the real command line: `workplan demo` on a temporary folder, once per
session, then what operators and analysts do with the result. The demo holds two plan years: the
seed's 2024 plan, over by its judging day (2025-11-20), and the 2025 plan it makes, current."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.settings import PROJECT_ROOT
from tests.helpers import workplan

# The 21 targets as docs/targets-2024.md reads them: (id, target, comparator, unit).
TARGETS_2024 = [
    ("T01", 100, ">", "个"),
    ("T02", 1000, ">=", "亿元"),
    ("T03", 20, ">=", "%"),
    ("T04", 100, ">=", "个"),
    ("T05", 150, ">=", "亿元"),
    ("T06", 200, ">=", "家"),
    ("T07", 1500, ">", "家"),
    ("T08", 10000, ">=", "户"),
    ("T09", 30, ">=", "户"),
    ("T10", 20, ">=", "个"),
    ("T11", 40, ">=", "家"),
    ("T12", 30, ">=", "%"),
    ("T13", 5800, ">=", "个"),
    ("T14", 30, ">=", "%"),
    ("T15", 6, "about", "%"),
    ("T16", None, "in_step", "%"),
    ("T17", 8, "about", "%"),
    ("T18", 10, "about", "%"),
    ("T19", 6.5, "about", "%"),
    ("T20", 9.5, ">=", "%"),
    ("T21", 10000, ">=", "亩"),
]
# The demo's 2025 plan (pipelines/demo/scenario.py): 2024's indicators but T07 (dropped) and T12
# (redefined as T22), most targets raised, T03 and T14 lowered, T16, T17 and T19 as before, and
# T22 and T23 new.
TARGETS_2025 = [
    ("T01", 120, ">", "个"),
    ("T02", 1100, ">=", "亿元"),
    ("T03", 15, ">=", "%"),
    ("T04", 110, ">=", "个"),
    ("T05", 170, ">=", "亿元"),
    ("T06", 220, ">=", "家"),
    ("T08", 12000, ">=", "户"),
    ("T09", 40, ">=", "户"),
    ("T10", 24, ">=", "个"),
    ("T11", 50, ">=", "家"),
    ("T13", 6000, ">=", "个"),
    ("T14", 20, ">=", "%"),
    ("T15", 6.5, "about", "%"),
    ("T16", None, "in_step", "%"),
    ("T17", 8, "about", "%"),
    ("T18", 12, "about", "%"),
    ("T19", 6.5, "about", "%"),
    ("T20", 10, ">=", "%"),
    ("T21", 15000, ">=", "亩"),
    ("T22", 120000, ">=", "万元"),
    ("T23", 220, ">=", "亿元"),
]


def test_demo_prints_the_current_year_s_scorecard_of_its_21_targets(demo):
    _, result = demo
    assert "哈尔滨新区2025年工作计划目标进度" in result.stdout
    for indicator, *_ in TARGETS_2025:
        assert f"│ {indicator} " in result.stdout
    for dropped in ("T07", "T12"):  # 2024's only
        assert f"│ {dropped} " not in result.stdout
    assert "analysts.duckdb" in result.stdout
    assert "127.0.0.1:3000" in result.stdout
    for word in ("已完成", "超进度", "达进度", "欠进度", "数据缺报"):
        assert word in result.stdout


def test_analysts_file_holds_both_plans_targets_as_the_plans_state_them(demo):
    home, _ = demo
    with duckdb.connect(str(home / "warehouse" / "analysts.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select plan_year, indicator_id, target_value, comparator, unit "
            "from marts.indicator_progress order by plan_year, indicator_id"
        ).fetchall()
    assert rows == [
        (year, i, None if t is None else float(t), c, u)
        for year, targets in ((2024, TARGETS_2024), (2025, TARGETS_2025))
        for i, t, c, u in targets
    ]


def trade_filings(home: Path, year: int, months: range) -> int:
    """外贸备案 rows in the commerce bureau's landed files of those months (one row a filing)."""
    folder = home / "landing" / "enterprise_registrations" / "commerce"
    count = 0
    for month in months:
        for path in folder.glob(f"{year}年{month:02d}月*.csv"):
            with open(path, encoding="utf-8", newline="") as handle:
                count += sum(1 for row in csv.DictReader(handle) if row["事项类型"] == "外贸备案")
    return count


def test_the_demo_holds_a_finished_plan_year_and_the_current_one(demo):
    home, _ = demo
    with duckdb.connect(str(home / "warehouse" / "analysts.duckdb"), read_only=True) as con:
        years = con.execute(
            "select plan_year, is_current_plan_year, list(distinct status order by status), "
            "list(distinct status_zh order by status_zh), list(indicator_id order by indicator_id) "
            "from marts.indicator_progress group by all order by plan_year"
        ).fetchall()
        t09 = con.execute(
            (PROJECT_ROOT / "docs" / "queries" / "14_same_month_a_plan_year_before.sql").read_text(
                encoding="utf-8"
            )
        ).fetchall()
    (y2024, current_2024, statuses_2024, words_2024, ids_2024) = years[0]
    (y2025, current_2025, statuses_2025, words_2025, ids_2025) = years[1]
    # 2024 is over on 2025-11-20 and December 2024 arrived from every department: final words only.
    assert (y2024, current_2024) == (2024, False)
    assert statuses_2024 == ["met", "missed"] and words_2024 == ["已完成", "未完成"]
    # 2025 is current, October's pace: ahead, on pace, behind, one target met (T21, 龙江一号) and
    # T09 with no October figure (the commerce bureau never sent its October file).
    assert (y2025, current_2025) == (2025, True)
    assert statuses_2025 == ["ahead", "behind", "met", "no_data", "on_pace"]
    # Dropped from 2024 (T07), redefined (T12 becomes T22), added (T23).
    assert {"T07", "T12"} <= set(ids_2024) and not {"T07", "T12"} & set(ids_2025)
    assert {"T22", "T23"} <= set(ids_2025) and not {"T22", "T23"} & set(ids_2024)
    # T09 across the years (docs/queries/14): 2025's figure to September, the latest month it
    # has, beside 2024's to September, each counted from the commerce bureau's landed files.
    (row,) = [r for r in t09 if r[0] == "T09"]
    this_year = trade_filings(home, 2025, range(1, 10))
    last_year = trade_filings(home, 2024, range(1, 10))
    assert row[3:6] == (2025, dt.date(2025, 9, 1), float(this_year))
    assert row[7] == "数据缺报"
    assert row[8:10] == (2024, float(last_year))
    assert row[12] == this_year - last_year


def test_demo_ledger_accepts_every_demo_file_and_archives_it(demo):
    home, _ = demo
    landed = sorted(p for p in (home / "landing").rglob("*") if p.is_file())
    with duckdb.connect(str(home / "warehouse" / "analysts.duckdb"), read_only=True) as con:
        statuses = con.execute(
            "select status, count(*) from ledger.submissions group by status"
        ).fetchall()
        archived = [
            r[0] for r in con.execute("select archive_path from ledger.submissions").fetchall()
        ]
    assert statuses == [("accepted", len(landed))]
    assert all((home / "archive" / path).is_file() for path in archived)


def test_runs_are_recorded_in_the_local_dagster_instance(demo):
    home, _ = demo
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        runs = instance.get_runs()
    assert [run.job_name for run in runs] == ["refresh_all"]
    assert runs[0].status == dg.DagsterRunStatus.SUCCESS


def test_scorecard_and_ingest_commands_after_the_demo(demo):
    home, _ = demo
    scorecard = workplan(home, "scorecard")
    assert scorecard.returncode == 0, scorecard.stderr
    assert "│ T21 " in scorecard.stdout
    before = (home / "warehouse" / "analysts.duckdb").stat().st_mtime_ns
    ingest = workplan(home, "ingest")
    assert ingest.returncode == 0, ingest.stderr
    with duckdb.connect(str(home / "warehouse" / "analysts.duckdb"), read_only=True) as con:
        (count,) = con.execute("select count(*) from ledger.submissions").fetchone()
        judged = con.execute("select distinct evaluated_on from marts.indicator_progress")
        # The demo's judging day is kept in the deployment: a later command judges as it did,
        # not on today's date (which would make every department years overdue).
        assert judged.fetchall() == [(dt.date(2025, 11, 20),)]
    assert json.loads((home / "deployment.json").read_text()) == {"as_of_date": "2025-11-20"}
    # Every landed file was already received: nothing is received twice.
    assert count == len([p for p in (home / "landing").rglob("*") if p.is_file()])
    assert (home / "warehouse" / "analysts.duckdb").stat().st_mtime_ns >= before


def test_scorecard_before_any_run_says_what_to_do(tmp_path):
    result = workplan(tmp_path, "scorecard")
    assert result.returncode != 0
    assert "workplan refresh" in result.stderr
