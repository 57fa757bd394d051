"""The Dagster code location: gathers what the asset, check, job, sensor and schedule modules
declare, and builds the resources once from the environment."""

from __future__ import annotations

import dagster as dg

from assets import feeds, marts, publish, reference
from pipelines import jobs, schedules, sensors
from pipelines.resources import Scoring, Warehouse
from pipelines.settings import Settings

ASSET_MODULES = [reference, feeds, marts, publish]


def build_definitions(settings: Settings) -> dg.Definitions:
    """Definitions for one deployment's paths; tests build their own on temporary folders."""
    return dg.Definitions(
        assets=dg.load_assets_from_modules(ASSET_MODULES),
        asset_checks=dg.load_asset_checks_from_modules(ASSET_MODULES),
        jobs=[*jobs.ingest_jobs, jobs.refresh_all],
        sensors=sensors.landing_sensors,
        schedules=[schedules.nightly_refresh],
        resources={
            "warehouse": Warehouse.from_settings(settings),
            "scoring": Scoring(pace_band=settings.pace_band, as_of_date=settings.as_of_date),
        },
        executor=dg.in_process_executor,
    )


defs = build_definitions(Settings.from_env())
