"""Test helpers: temporary deployments, department files written like a clerk's, runs."""

from __future__ import annotations

import csv
from pathlib import Path

import dagster as dg

from pipelines.contracts import load_contract
from pipelines.definitions import build_definitions
from pipelines.settings import Settings


def settings_for(
    home: Path, pace_band: float = 0.05, as_of_date: str = "", alert_webhook: str = ""
) -> Settings:
    """A deployment rooted in a temporary folder."""
    return Settings(
        home=home,
        landing=home / "landing",
        archive=home / "archive",
        warehouse=home / "warehouse" / "workplan.duckdb",
        analysts=home / "warehouse" / "analysts.duckdb",
        reports=home / "reports",
        dagster_home=home / "dagster",
        pace_band=pace_band,
        as_of_date=as_of_date,
        alert_webhook=alert_webhook,
    )


def drop_csv(
    settings: Settings,
    feed: str,
    department: str,
    name: str,
    rows: list[dict[str, object]],
    encoding: str = "utf-8",
) -> Path:
    """Write a department file with the template's Chinese headers into the landing folder."""
    columns = load_contract(feed).columns
    path = settings.landing / feed / department / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.header_zh for c in columns])
        for row in rows:
            writer.writerow(["" if row.get(c.name) is None else row[c.name] for c in columns])
    return path


def run_refresh(settings: Settings, instance: dg.DagsterInstance | None = None):
    """Run the full refresh job in process on a temporary instance; return the result."""
    job = build_definitions(settings).resolve_job_def("refresh_all")
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
