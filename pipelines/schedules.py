"""The nightly rebuild: 序时进度 moves with the calendar even on days no department reports. Its
tick also keeps the run history to the retention (pipelines/run_history.py), and on a quiet night
asks for the re-scoring subset only (pipelines/quiet_night.py)."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from pipelines.jobs import refresh_all
from pipelines.quiet_night import NIGHTLY_TAG, nightly_choice
from pipelines.run_history import prune_runs
from pipelines.settings import TIMEZONE, Settings


def build_nightly_refresh(settings: Settings) -> dg.ScheduleDefinition:
    """The nightly schedule of a deployment: its paths, and the days of run history it keeps."""
    run_retention_days = settings.run_retention_days

    @dg.schedule(
        name="nightly_refresh",
        job=refresh_all,
        cron_schedule="0 2 * * *",
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every night at 02:00 Asia/Shanghai: pick up anything missed, rebuild every "
        "mart; on a night with nothing new in landing and nothing left undone, re-score pace "
        "and republish only (the run's `nightly` tag says which, and why). First deletes "
        f"finished runs older than {run_retention_days} days "
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
        try:
            graph = context.repository_def.asset_graph
        except dg.DagsterInvariantViolationError:  # a context built without its definitions
            return dg.RunRequest(tags={NIGHTLY_TAG: "full: no definitions to judge by"})
        choice = nightly_choice(context.instance, graph, settings.landing, settings.warehouse)
        return dg.RunRequest(
            asset_selection=None if choice.assets is None else list(choice.assets),
            asset_check_keys=None if choice.checks is None else list(choice.checks),
            tags={NIGHTLY_TAG: choice.tag},
        )

    return nightly_refresh
