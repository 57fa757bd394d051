"""The nightly rebuild: 序时进度 moves with the calendar even on days no department reports."""

from __future__ import annotations

import dagster as dg

from pipelines.jobs import refresh_all
from pipelines.settings import TIMEZONE

nightly_refresh = dg.ScheduleDefinition(
    name="nightly_refresh",
    job=refresh_all,
    cron_schedule="0 2 * * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 02:00 Asia/Shanghai: pick up anything missed, rebuild every mart.",
)
