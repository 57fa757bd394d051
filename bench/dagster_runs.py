"""Read what Dagster recorded about benchmark runs: where each run's time went.

Whole-process figures say how long; the instance's run and step records say where: how long a
file waited for the sensor, the queue and the run worker, and which step of a run cost what.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg


def instance_at(dagster_home: Path) -> dg.DagsterInstance:
    """The benchmark deployment's own instance, read from its folder (not $DAGSTER_HOME)."""
    return dg.DagsterInstance.from_config(str(dagster_home))


def step_seconds(dagster_home: Path, run_id: str | None = None) -> dict[str, float]:
    """Each step of a run (the latest by default) and its duration in seconds, in the order
    they ran."""
    with instance_at(dagster_home) as instance:
        if run_id is None:
            records = instance.get_run_records(limit=1)
            if not records:
                return {}
            run_id = records[0].dagster_run.run_id
        stats = instance.get_run_step_stats(run_id)
    stats = sorted((s for s in stats if s.start_time and s.end_time), key=lambda s: s.start_time)
    return {s.step_key: round(s.end_time - s.start_time, 3) for s in stats}


def run_times(dagster_home: Path, job_name: str) -> list[dict[str, float | str | None]]:
    """Each run of `job_name`, oldest first: created, started and ended (epoch seconds), status."""
    with instance_at(dagster_home) as instance:
        records = instance.get_run_records(
            filters=dg.RunsFilter(job_name=job_name), order_by="create_timestamp", ascending=True
        )
    return [
        {
            "run_id": r.dagster_run.run_id,
            "created": r.create_timestamp.timestamp(),
            "started": r.start_time,
            "ended": r.end_time,
            "status": r.dagster_run.status.value,
        }
        for r in records
    ]


def runs_in_progress(dagster_home: Path) -> tuple[int, int]:
    """How many runs the instance holds, and how many of them have not finished."""
    with instance_at(dagster_home) as instance:
        records = instance.get_run_records()
    unfinished = [r for r in records if not r.dagster_run.is_finished]
    return len(records), len(unfinished)
