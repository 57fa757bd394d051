"""Run history kept small: finished runs older than the retention are deleted with their events.

Dagster OSS 1.13 purges only schedule and sensor ticks on its own (`retention:` in dagster.yaml);
run records and their event logs stay for ever, and a year of nightly and per-file runs grows the
instance without bound (bench/run_history.py measures it). The run history is not the record (the
ledger is), so runs older than `WORKPLAN_RUN_RETENTION_DAYS` are deleted through Dagster's own API
(`DagsterInstance.delete_run`, which removes the run and its event log) by the nightly schedule's
tick. Only finished runs are deleted: a queued or running one, however old, is left alone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
from dagster._core.storage.event_log import SqliteEventLogStorage

FINISHED = [
    dg.DagsterRunStatus.SUCCESS,
    dg.DagsterRunStatus.FAILURE,
    dg.DagsterRunStatus.CANCELED,
]
# Runs deleted per nightly tick at most: a schedule's tick must finish within Dagster's gRPC
# deadline, so a long history kept before retention was set is worked off over a few nights.
PER_TICK = 500


def prune_runs(
    instance: dg.DagsterInstance, retention_days: int, now: dt.datetime, limit: int = PER_TICK
) -> int:
    """Delete up to `limit` of the finished runs created more than `retention_days` before `now`,
    oldest first, with their event logs; 0 days keeps every run. Returns how many it deleted."""
    if retention_days <= 0:
        return 0
    old = dg.RunsFilter(statuses=FINISHED, created_before=now - dt.timedelta(days=retention_days))
    records = instance.get_run_records(filters=old, limit=limit, ascending=True)
    for record in records:
        run_id = record.dagster_run.run_id
        instance.delete_run(run_id)
        forget_shard(instance, run_id)
    return len(records)


def forget_shard(instance: dg.DagsterInstance, run_id: str) -> None:
    """The embedded (SQLite) profile keeps each run's events in a file of its own, which
    `delete_run` empties but leaves: remove it, or a year leaves thousands of empty files."""
    storage = instance.event_log_storage
    if isinstance(storage, SqliteEventLogStorage):
        Path(storage.path_for_shard(run_id)).unlink(missing_ok=True)
        # The storage remembers which shard files it has set up: forget this one, so a later
        # read of the deleted run's events finds none instead of a file without tables.
        getattr(storage, "_initialized_dbs", set()).discard(run_id)
