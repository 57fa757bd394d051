"""The nightly rebuild: 序时进度 moves with the calendar even on days no department reports. Its
tick also keeps the run history to the retention (pipelines/run_history.py)."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from pipelines.jobs import refresh_all
from pipelines.run_history import prune_runs
from pipelines.settings import TIMEZONE


def build_nightly_refresh(run_retention_days: int) -> dg.ScheduleDefinition:
    """The nightly schedule of a deployment that keeps `run_retention_days` of run history."""

    @dg.schedule(
        name="nightly_refresh",
        job=refresh_all,
        cron_schedule="0 2 * * *",
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every night at 02:00 Asia/Shanghai: pick up anything missed, rebuild every "
        f"mart. First deletes finished runs older than {run_retention_days} days "
        "(WORKPLAN_RUN_RETENTION_DAYS; 0 keeps them all) with their event logs.",
    )
    def nightly_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        now = context.scheduled_execution_time or dt.datetime.now(dt.UTC)
        try:
            deleted = prune_runs(context.instance, run_retention_days, now)
            context.log.info(
                f"Deleted {deleted} finished runs older than {run_retention_days} days"
            )
        except Exception as error:  # noqa: BLE001 - pruning must never cost the night's refresh
            context.log.warning(f"Run history not pruned this night: {error}")
        return dg.RunRequest()

    return nightly_refresh
