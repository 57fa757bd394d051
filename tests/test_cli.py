"""End to end through the real command line: `workplan demo` on a temporary folder, once per
session, then what operators and analysts do with the result."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import duckdb

from tests.helpers import workplan

# The 21 targets as docs/targets-2024.md reads them: (id, target, comparator, unit).
TARGETS = [
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


def test_demo_prints_a_scorecard_of_all_21_targets(demo):
    _, result = demo
    for indicator, *_ in TARGETS:
        assert f"│ {indicator} " in result.stdout
    assert "analysts.duckdb" in result.stdout
    assert "127.0.0.1:3000" in result.stdout
    for word in ("已完成", "超进度", "达进度", "欠进度"):
        assert word in result.stdout


def test_analysts_file_holds_the_21_targets_as_the_plan_states_them(demo):
    home, _ = demo
    with duckdb.connect(str(home / "warehouse" / "analysts.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select indicator_id, target_value, comparator, unit from marts.indicator_progress "
            "order by indicator_id"
        ).fetchall()
        statuses = {
            r[0] for r in con.execute("select status from marts.indicator_progress").fetchall()
        }
    assert rows == [(i, None if t is None else float(t), c, u) for i, t, c, u in TARGETS]
    # The demo tells a mixed story: some targets ahead of pace, some behind.
    assert {"ahead", "behind", "on_pace", "met"} <= statuses


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
        assert judged.fetchall() == [(dt.date(2024, 11, 20),)]
    assert json.loads((home / "deployment.json").read_text()) == {"as_of_date": "2024-11-20"}
    # Every landed file was already received: nothing is received twice.
    assert count == len([p for p in (home / "landing").rglob("*") if p.is_file()])
    assert (home / "warehouse" / "analysts.duckdb").stat().st_mtime_ns >= before


def test_scorecard_before_any_run_says_what_to_do(tmp_path):
    result = workplan(tmp_path, "scorecard")
    assert result.returncode != 0
    assert "workplan refresh" in result.stderr
