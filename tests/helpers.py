"""Test helpers: temporary deployments, department files written like a clerk's, runs."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.files.contracts import load_contract
from pipelines.settings import Settings


def settings_for(
    home: Path,
    pace_band: float = 0.05,
    as_of_date: str = "",
    alert_webhook: str = "",
    validation_engine: str = "duckdb",
) -> Settings:
    """A deployment rooted in a temporary folder."""
    return Settings(
        home=home,
        landing=home / "landing",
        archive=home / "archive",
        warehouse=home / "warehouse" / "workplan.duckdb",
        analysts=home / "warehouse" / "analysts.duckdb",
        reports=home / "reports",
        outbox=home / "outbox",
        dagster_home=home / "dagster",
        pace_band=pace_band,
        as_of_date=as_of_date,
        alert_webhook=alert_webhook,
        validation_engine=validation_engine,
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


def workplan(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run the installed `workplan` command with a clean environment rooted at `home`.

    `env` adds variables (e.g. WORKPLAN_AS_OF_DATE to replay a day) after the clean-up, so no
    WORKPLAN_ or DAGSTER_ setting of the caller's shell leaks into the run.
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WORKPLAN_", "DAGSTER_"))}
    clean |= {"WORKPLAN_HOME": str(home), "COLUMNS": "200"} | (env or {})
    # The console script pip installed next to this interpreter.
    command = Path(sys.executable).parent / "workplan"
    assert command.exists(), "the project's command-line tool is not installed"
    return subprocess.run(
        [str(command), *args], env=clean, capture_output=True, text=True, timeout=600, check=False
    )
