"""How big the Dagster instance grows in a year of runs, with and without run retention.

`python -m bench.run_history [--days 365] [--per-file-runs 365] [--retentions 0,90]`

One real `ingest_tourism_revenue` run and one real `refresh_all` run are executed on a demo
deployment against an embedded (SQLite) instance; they are the templates. A year is then
simulated: each night one nightly run, and the per-file runs spread evenly over the days, each a
copy of its template's run record and every one of its events, dated that day. With retention,
each night first prunes as the nightly schedule's tick does (`pipelines.run_history.prune_runs`).
Printed and written to `bench/results/run_history-<retentions>.json`: the instance folder's size
and its run count at the end, with and without retention, and the slowest night's pruning.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.runs.schema import RunsTable
from dagster_shared.record import copy

from pipelines.definitions import build_definitions
from pipelines.demo.scenario import write_demo_feeds
from pipelines.run_history import prune_runs
from pipelines.settings import PROJECT_ROOT, Settings

RESULTS = PROJECT_ROOT / "bench" / "results"
MIB = 1024 * 1024
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def backdate_run(instance: dg.DagsterInstance, run_id: str, when: dt.datetime) -> None:
    """Set a run record's creation and update time, as if it had run on `when`: the run storage
    stamps them itself, and a simulated year needs them spread over the year."""
    naive_utc = when.astimezone(dt.UTC).replace(tzinfo=None)
    with instance.run_storage.connect() as conn:
        conn.execute(
            RunsTable.update()
            .where(RunsTable.c.run_id == run_id)
            .values(create_timestamp=naive_utc, update_timestamp=naive_utc)
        )


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@dataclass(frozen=True)
class Template:
    """A real run: its record, its snapshots, the instance folder holding its events."""

    run: dg.DagsterRun
    events: int
    snapshots: tuple
    storage: Path


def templates(home: Path) -> list[Template]:
    """A real per-file run and a real nightly run of the demo deployment."""
    # This process is the benchmark's own: its deployment is the temporary home, judged as the
    # demo is.
    for name in [n for n in os.environ if n.startswith(("WORKPLAN_", "DAGSTER_"))]:
        del os.environ[name]
    os.environ |= {"WORKPLAN_HOME": str(home), "WORKPLAN_AS_OF_DATE": "2024-11-20"}
    settings = Settings.from_env()
    write_demo_feeds(settings.landing, seed=2024)
    defs = build_definitions(settings)
    found = []
    settings.dagster_home.mkdir(parents=True)
    with dg.DagsterInstance.local_temp(str(settings.dagster_home)) as instance:
        for job in ("ingest_tourism_revenue", "refresh_all"):
            result = defs.resolve_job_def(job).execute_in_process(
                instance=instance, run_config=QUIET, raise_on_error=False
            )
            run = instance.get_run_by_id(result.run_id)
            snapshots = (
                instance.get_job_snapshot(run.job_snapshot_id),
                instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id),
            )
            storage = Path(instance.event_log_storage.path_for_shard(run.run_id)).parent
            events = len(instance.all_logs(run.run_id))
            found.append(Template(run, events, snapshots, storage))
    return found


def add_copy(instance: dg.DagsterInstance, template: Template, day: dt.datetime) -> None:
    """A copy of the template run and all its events, dated `day`.

    The run record goes through Dagster's API; the events are copied as SQLite rows (the run's own
    shard file, and its asset events in the index shard), as the embedded storage keeps them:
    storing a year's events one call at a time takes Dagster hours on this machine.
    """
    run = template.run
    if not instance.has_job_snapshot(run.job_snapshot_id):
        instance.run_storage.add_job_snapshot(template.snapshots[0])
        instance.run_storage.add_execution_plan_snapshot(template.snapshots[1])
    run_id = str(uuid.uuid4())
    instance.add_run(copy(run, run_id=run_id))
    backdate_run(instance, run_id, day)
    storage = instance.event_log_storage
    shard = Path(storage.path_for_shard(run_id))
    # The run's own file: its rows keep the template's run id, which only this file holds and
    # which goes with the file when the run is deleted (pipelines/run_history.forget_shard).
    shutil.copyfile(template.storage / f"{run.run_id}.db", shard)
    with sqlite3.connect(storage.path_for_shard(INDEX_SHARD_NAME)) as con:
        columns = [c[1] for c in con.execute("pragma table_info(event_logs)") if c[1] != "id"]
        listed = ", ".join(columns)
        chosen = ", ".join("?" if c == "run_id" else c for c in columns)
        con.execute("attach ? as template", [str(template.storage / f"{INDEX_SHARD_NAME}.db")])
        con.execute(
            f"insert into main.event_logs ({listed}) select {chosen} "  # noqa: S608 - the table's own column names
            "from template.event_logs where run_id = ?",
            [run_id, run.run_id],
        )
        con.commit()
        con.execute("detach template")


def simulate_year(
    per_file: Template, nightly: Template, days: int, per_file_runs: int, retention: int
) -> dict[str, float]:
    """A year of runs on a new embedded instance; its size and run count at the end."""
    with tempfile.TemporaryDirectory(prefix="run-history-") as folder:
        with dg.DagsterInstance.local_temp(folder) as instance:
            start = dt.datetime(2024, 1, 1, 18, tzinfo=dt.UTC)
            slowest, files_done = 0.0, 0
            for offset in range(days):
                night = start + dt.timedelta(days=offset)
                begun = time.perf_counter()
                prune_runs(instance, retention, night)
                slowest = max(slowest, time.perf_counter() - begun)
                add_copy(instance, nightly, night)
                while files_done < per_file_runs * (offset + 1) // days:
                    files_done += 1
                    add_copy(instance, per_file, night + dt.timedelta(hours=8))
            runs = instance.get_runs_count()
        size = folder_bytes(Path(folder))
    return {
        "retention_days": retention,
        "runs_kept": runs,
        "instance_mib": round(size / MIB, 1),
        "slowest_prune_seconds": round(slowest, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-file-runs", type=int, default=365, help="per-file runs in all")
    parser.add_argument(
        "--retentions", default="0,90", help="days kept, one simulated year each (0: all runs)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="run-history-demo-") as home:
        per_file, nightly = templates(Path(home))
        result = {
            "days": args.days,
            "nightly_runs": args.days,
            "per_file_runs": args.per_file_runs,
            "events_per_file_run": per_file.events,
            "events_per_nightly_run": nightly.events,
            "runs": [
                simulate_year(per_file, nightly, args.days, args.per_file_runs, int(retention))
                for retention in args.retentions.split(",")
            ],
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"run_history-{args.retentions.replace(',', '-')}.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
