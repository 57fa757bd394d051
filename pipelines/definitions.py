"""The Dagster code location: gathers what the asset, check, job, sensor and schedule modules
declare, and builds the resources once from the environment."""

from __future__ import annotations

import warnings

import dagster as dg

from assets import data_docs, feeds, landing, marts, publish, reference, scorecard
from pipelines import jobs, schedules, sensors
from pipelines.resources import Alerting, Scoring, Warehouse
from pipelines.settings import Settings

ASSET_MODULES = [reference, feeds, marts, publish, scorecard, data_docs]


def with_code_references(assets: list) -> list:
    """Each asset linked to the file and line that builds it, shown in the UI. Dagster marks the
    helper beta and warns once per asset on every load of the code location; the warning says
    nothing an operator can act on, so it is silenced here only."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return list(dg.with_source_code_references(assets))


def build_definitions(settings: Settings) -> dg.Definitions:
    """Definitions for one deployment's paths; tests build their own on temporary folders."""
    return dg.Definitions(
        # External assets (what departments owe) are specs, which module loading skips.
        assets=with_code_references(
            [*landing.landing_specs, *dg.load_assets_from_modules(ASSET_MODULES)]
        ),
        # Plus each landing asset's month owed, judged by marts.feed_status (assets/landing.py).
        asset_checks=[*dg.load_asset_checks_from_modules(ASSET_MODULES), landing.month_owed],
        jobs=[*jobs.ingest_jobs, jobs.refresh_all],
        sensors=[*sensors.landing_sensors, sensors.deliver_alerts],
        schedules=[schedules.build_nightly_refresh(settings)],
        resources={
            "warehouse": Warehouse.from_settings(settings),
            "alerting": Alerting(webhook_url=settings.alert_webhook),
            "scoring": Scoring(pace_band=settings.pace_band, as_of_date=settings.as_of_date),
        },
        executor=dg.in_process_executor,
    )


defs = build_definitions(Settings.from_env())
