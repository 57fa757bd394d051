"""Run history stays small: the nightly schedule's tick deletes the finished runs older than the
retention, with their event logs, and keeps recent runs and every run still queued or running,
however old.

Tier: schedules under their build context, on a real embedded (SQLite) Dagster instance in a
temporary folder holding real runs of a small job; run records are dated back to stand for
earlier days, as the run storage stamps them itself.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import dagster as dg
import pytest

from bench.run_history import backdate_run
from pipelines.run_history import prune_runs
from pipelines.schedules import build_nightly_refresh
from tests.helpers import settings_for

NIGHT = dt.datetime(2024, 6, 30, 18, tzinfo=dt.UTC)  # 02:00 on 1 July in Asia/Shanghai


@dg.op
def work() -> None:
    """Does nothing: the run and its events are what is under test."""


@dg.op
def fail() -> None:
    raise RuntimeError("this run fails")


@dg.job
def small() -> None:
    work()


@dg.job
def failing() -> None:
    fail()


@pytest.fixture
def instance(tmp_path: Path):
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        yield instance


def ran(instance: dg.DagsterInstance, job: dg.JobDefinition, days_ago: int) -> str:
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    backdate_run(instance, result.run_id, NIGHT - dt.timedelta(days=days_ago))
    return result.run_id


def unfinished(instance: dg.DagsterInstance, status: dg.DagsterRunStatus, days_ago: int) -> str:
    run = instance.create_run_for_job(small, run_id=str(uuid.uuid4()), status=status)
    backdate_run(instance, run.run_id, NIGHT - dt.timedelta(days=days_ago))
    return run.run_id


def test_the_nightly_tick_deletes_old_finished_runs_and_keeps_the_rest(instance, tmp_path) -> None:
    oldest = ran(instance, small, days_ago=100)
    old_failure = ran(instance, failing, days_ago=95)
    within = ran(instance, small, days_ago=89)
    recent = ran(instance, small, days_ago=1)
    running = unfinished(instance, dg.DagsterRunStatus.STARTED, days_ago=200)
    waiting = unfinished(instance, dg.DagsterRunStatus.NOT_STARTED, days_ago=120)
    shards = Path(instance.event_log_storage._base_dir)  # the embedded profile's per-run files
    assert (shards / f"{oldest}.db").exists()
    assert instance.get_run_by_id(old_failure).status == dg.DagsterRunStatus.FAILURE

    # 0 keeps every run; a limit deletes that many, the oldest first.
    assert prune_runs(instance, 0, NIGHT + dt.timedelta(days=1000)) == 0
    assert prune_runs(instance, 90, NIGHT, limit=1) == 1
    assert instance.get_run_by_id(oldest) is None
    assert not (shards / f"{oldest}.db").exists()
    assert instance.all_logs(oldest) == []

    # The nightly tick with 90 days kept: the failed run of 95 days ago goes too, and the night's
    # refresh is requested as ever.
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=NIGHT)
    (request,) = build_nightly_refresh(settings_for(tmp_path)).evaluate_tick(context).run_requests
    assert request.tags["dagster/schedule_name"] == "nightly_refresh"
    kept = {record.dagster_run.run_id for record in instance.get_run_records()}
    assert kept == {within, recent, running, waiting}
    assert not (shards / f"{old_failure}.db").exists()  # its events went with it
    assert instance.all_logs(recent)  # a kept run keeps its events
