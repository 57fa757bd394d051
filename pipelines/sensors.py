"""One file-arrival sensor per feed: a run for each tick that finds new content in landing/; and
the sensor that delivers alerts to the webhook apart from any run."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import dagster as dg

from pipelines.files.contracts import FEEDS
from pipelines.jobs import ingest_job_name, ingest_jobs
from pipelines.reports import alerts
from pipelines.resources import Alerting, Warehouse
from pipelines.store.arrivals import (
    ArrivalState,
    new_arrivals,
    recorded_arrivals,
    scan,
    settle_wait,
)

# Dagster's sensor daemon evaluates sensors in a fixed 5 s loop. An interval under that loop has
# every loop evaluate every sensor: at 5 s, the loop's shuffled sensor order made a sensor's ticks
# come slightly under 5 s apart now and then, and such a tick was skipped, a 10 s wait.
SENSOR_INTERVAL_SECONDS = 1
# Alerts are for people: a delivery round every half minute is soon enough.
ALERT_INTERVAL_SECONDS = 30


def build_landing_sensor(feed: str, job: dg.UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"landing_{feed}",
        job=job,
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Watches landing/{feed}/<department>/ and starts {job.name} when a file "
        "with new content has settled. Decides by SHA-256, so no file is skipped for its mtime.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext, warehouse: Warehouse):
        state = ArrivalState.from_cursor(context.cursor)
        if context.cursor is None:
            landing = Path(warehouse.landing)
            state.seen = recorded_arrivals(Path(warehouse.analysts_path), landing, feed)
        landed = scan(Path(warehouse.landing), feed)
        if wait := settle_wait(landed, time.time()):
            # A file is still being copied: let it settle in this tick, not the next loop's.
            time.sleep(wait)
            landed = scan(Path(warehouse.landing), feed)
        fresh, state = new_arrivals(landed, state, time.time())
        if not fresh:
            return dg.SensorResult(skip_reason="no new files", cursor=state.to_cursor())
        run_key = hashlib.sha256("".join(sorted(fresh)).encode()).hexdigest()[:20]
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=f"{feed}-{run_key}",
                    tags={"feed": feed, "files": str(len(fresh))},
                )
            ],
            cursor=state.to_cursor(),
        )

    return landing_sensor


landing_sensors = [
    build_landing_sensor(feed, job)
    for feed, job in zip(FEEDS, ingest_jobs, strict=True)
    if job.name == ingest_job_name(feed)
]


@dg.sensor(
    name="deliver_alerts",
    minimum_interval_seconds=ALERT_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts the alerts runs raised in ledger.alerts to the configured webhook, outside "
    "any run: a hung webhook delays alerts, never data, and takes no run slot. Each attempt has "
    "a total deadline; failures are retried with a doubling back-off and recorded on the alert.",
)
def deliver_alerts(warehouse: Warehouse, alerting: Alerting) -> dg.SkipReason:
    if not alerting.webhook_url:
        return dg.SkipReason("no webhook configured (WORKPLAN_ALERT_WEBHOOK)")
    delivered = alerts.deliver(Path(warehouse.path), alerting.webhook_url)
    return dg.SkipReason(f"alerts: {delivered.describe()}")
