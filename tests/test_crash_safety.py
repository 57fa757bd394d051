"""Kill the real pipeline with SIGKILL at several points of a run: the warehouse must stay
readable and consistent, and the rerun must finish with every file received exactly once and
the same scorecard as a run that was never interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.demo.scenario import write_demo_feeds
from tests.helpers import clean_env

# Points of a run, as shares of an uninterrupted run's duration: start-up, receiving files,
# validation, marts and publishing fall across them whatever the machine's speed.
KILL_AT = (0.15, 0.35, 0.55, 0.75, 0.92)
THROUGH = "2024-01"


def refresh(home: Path, kill_after: float | None = None) -> int:
    """`workplan refresh` in its own process; SIGKILL it after `kill_after` seconds if given."""
    env = clean_env()
    env |= {"WORKPLAN_HOME": str(home), "WORKPLAN_AS_OF_DATE": "2024-03-20"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "workplan"), "refresh"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    if kill_after is None:
        return process.wait(timeout=600)
    time.sleep(kill_after)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    return process.wait(timeout=60)


def scorecard(database: Path) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "select indicator_id, actual_value, status from marts.indicator_progress order by 1"
        ).fetchall()


def assert_consistent(home: Path) -> None:
    """Every recorded submission has exactly its rows in raw, and nothing else is in raw."""
    warehouse = home / "warehouse" / "workplan.duckdb"
    if not warehouse.exists():
        return  # killed before the first write: nothing to be inconsistent
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (tables,) = con.execute("select count(*) from duckdb_tables()").fetchone()
        if tables == 0:
            return  # killed during set-up, which is all or nothing: nothing was made
        for feed in (
            "projects",
            "enterprise_registrations",
            "tourism_revenue",
            "school_places",
            "headline_statistics",
        ):
            mismatched = con.execute(
                f"select s.submission_id, s.rows_read, count(r.row_number) "  # noqa: S608
                f"from ledger.submissions s left join raw.{feed} r using (submission_id) "
                "where s.feed = ? group by all having s.rows_read <> count(r.row_number)",
                [feed],
            ).fetchall()
            assert mismatched == [], (feed, mismatched)
            orphans = con.execute(
                f"select count(*) from raw.{feed} r "  # noqa: S608
                "where not exists (select 1 from ledger.submissions s "
                "where s.submission_id = r.submission_id)"
            ).fetchone()
            assert orphans == (0,), feed
    analysts = home / "warehouse" / "analysts.duckdb"
    if analysts.exists():
        assert len(scorecard(analysts)) == 21


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[tuple], float]:
    """The scorecard of a run nobody killed, and how long that run took."""
    home = tmp_path_factory.mktemp("uninterrupted")
    write_demo_feeds(home / "landing", through=THROUGH)
    started = time.monotonic()
    assert refresh(home) == 0
    return scorecard(home / "warehouse" / "analysts.duckdb"), time.monotonic() - started


def test_killed_runs_leave_a_consistent_warehouse_and_the_rerun_completes(
    tmp_path: Path, uninterrupted: tuple[list[tuple], float]
):
    expected, duration = uninterrupted
    landed = write_demo_feeds(tmp_path / "landing", through=THROUGH)
    for share in KILL_AT:
        refresh(tmp_path, kill_after=share * duration)
        assert_consistent(tmp_path)
    assert refresh(tmp_path) == 0
    assert_consistent(tmp_path)
    with duckdb.connect(str(tmp_path / "warehouse" / "analysts.duckdb"), read_only=True) as con:
        statuses = con.execute(
            "select status, count(*), count(distinct landing_path) from ledger.submissions "
            "group by status"
        ).fetchall()
    # Every landed file received exactly once: none lost, none counted twice.
    assert statuses == [("accepted", len(landed), len(landed))]
    assert scorecard(tmp_path / "warehouse" / "analysts.duckdb") == expected
