"""Throughput at national scale: the project's real path next to DuckDB's own CSV load.

For each size one synthetic registrations file is written under the data folder, then each run
measures, as separate processes on the same file: DuckDB's typed `read_csv` into a new file
(`bench.raw_load`), the first `workplan refresh` of a fresh deployment with the file in landing
(receive, GX suite, staging, marts, publish, scorecard), and a second `workplan refresh` with
everything received (the nightly rebuild at that scale). A project run that fails (the memory
guard) is recorded and not repeated: the next would fail the same way after as long a wait.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

from bench.dagster_runs import step_seconds
from bench.process import Measurement, measure
from bench.synthetic import DEPARTMENT, FEED, write_registrations
from pipelines.cli import DEMO_AS_OF_DATE

WORKPLAN = str(Path(sys.executable).parent / "workplan")


def deployment_env(home: Path) -> dict[str, str]:
    """Environment of a benchmark deployment rooted at `home`, judged on the demo's date."""
    return {
        "WORKPLAN_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "WORKPLAN_AS_OF_DATE": DEMO_AS_OF_DATE,
    }


def published_counts(analysts: Path) -> dict[str, int | str | None]:
    """What the analysts' file says of the feed: the ledger status and rows, the fact rows."""
    if not analysts.exists():
        return {}
    with duckdb.connect(str(analysts), read_only=True) as con:
        status, accepted = con.execute(
            "select string_agg(status, ','), sum(rows_accepted) from ledger.submissions "
            "where feed = ?",
            [FEED],
        ).fetchone()
        (facts,) = con.execute("select count(*) from marts.fact_enterprise_events").fetchone()
    return {"status": status, "rows_accepted": accepted, "fact_rows": facts}


def drop(csv_path: Path, home: Path) -> None:
    """Put a copy of the file in the department's landing folder, untimed: landing takes no
    hard link (it could be another department's file), so the bytes are copied."""
    landed = home / "landing" / FEED / DEPARTMENT / csv_path.name
    landed.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(csv_path, landed)


def project_run(csv_path: Path, scratch: Path, guard_bytes: int) -> dict:
    """First and nightly `workplan refresh` of a fresh deployment holding `csv_path`."""
    home = Path(tempfile.mkdtemp(prefix="home-", dir=scratch))
    try:
        drop(csv_path, home)
        env = deployment_env(home)
        first = measure([WORKPLAN, "refresh"], env=env, guard_bytes=guard_bytes)
        result = {"first": first.as_dict(), "first_steps": step_seconds(home / "dagster")}
        if first.ok:
            nightly = measure([WORKPLAN, "refresh"], env=env, guard_bytes=guard_bytes)
            result |= {
                "nightly": nightly.as_dict(),
                "nightly_steps": step_seconds(home / "dagster"),
            }
        result["published"] = published_counts(home / "warehouse" / "analysts.duckdb")
        return result
    finally:
        shutil.rmtree(home, ignore_errors=True)


def raw_run(csv_path: Path, scratch: Path, guard_bytes: int) -> Measurement:
    """DuckDB's typed load of the same file into a new database file."""
    db = scratch / "raw_load.duckdb"
    try:
        return measure(
            [sys.executable, "-m", "bench.raw_load", str(csv_path), str(db)],
            guard_bytes=guard_bytes,
        )
    finally:
        db.unlink(missing_ok=True)


def run_size(rows: int, runs: int, data_dir: Path, guard_bytes: int, log) -> dict:
    """Every measurement for one file size; the file is deleted afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix="workplan-bench-", dir=data_dir))
    try:
        csv_path = scratch / f"registrations-{rows}.csv"
        log(f"{rows:,} rows: writing {csv_path}")
        write_registrations(csv_path, rows)
        result: dict = {
            "rows": rows,
            "file_bytes": csv_path.stat().st_size,
            "raw": [],
            "project": [],
        }
        project_failed = False
        for run in range(1, runs + 1):
            raw = raw_run(csv_path, scratch, guard_bytes)
            result["raw"].append(raw.as_dict())
            log(f"{rows:,} rows, run {run}: raw DuckDB {raw.wall_seconds:.1f} s")
            if project_failed:
                continue
            project = project_run(csv_path, scratch, guard_bytes)
            result["project"].append(project)
            first = project["first"]
            log(
                f"{rows:,} rows, run {run}: project {first['wall_seconds']:.1f} s "
                f"({'ok' if first['ok'] else first['stopped_by'] or 'failed'})"
            )
            project_failed = not first["ok"]
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(sizes: list[int], runs: int, data_dir: Path, guard_bytes: int, log, save) -> dict:
    """Throughput results for every size, smallest first, each `save`d as soon as it is known:
    the 25M-row size alone may take half an hour."""
    done: list[dict] = []
    for rows in sorted(sizes):
        done.append(run_size(rows, runs, data_dir, guard_bytes, log))
        save({"sizes": done})
    return {"sizes": done}
