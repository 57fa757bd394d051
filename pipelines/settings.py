"""Where the pipeline keeps its files, read once from the environment with embedded defaults.

Every path the system touches is derived here, so a deployment changes one variable
(`WORKPLAN_HOME`) or a specific override, and nothing else reads `os.environ`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SQL_ROOT = PROJECT_ROOT / "sql"
EXPECTATIONS_ROOT = PROJECT_ROOT / "expectations"
CONTRACTS_ROOT = PROJECT_ROOT / "contracts"
CATALOG_ROOT = PROJECT_ROOT / "catalog"
TIMEZONE = "Asia/Shanghai"


# auto: GX's own engine for a batch a district sends, the suite compiled to SQL for a national
# one (pipelines/checks/validation.py, GX_MAX_ROWS); duckdb or gx: that engine whatever the size.
VALIDATION_ENGINES = ("auto", "duckdb", "gx")
# What a deployment keeps about itself in its home folder: the day it is judged on, when that is
# not today (the demo's replayed day), so every command and the UI's sensors on it agree.
DEPLOYMENT_FILE = "deployment.json"


class SettingsError(ValueError):
    """A setting that cannot work, named with its variable, before any file is touched."""


@dataclass(frozen=True)
class Settings:
    """Paths of one deployment: the landing folder, the archive and the two DuckDB files."""

    home: Path
    landing: Path
    archive: Path
    warehouse: Path
    analysts: Path
    reports: Path
    outbox: Path
    dagster_home: Path
    pace_band: float
    as_of_date: str
    alert_webhook: str
    validation_engine: str
    # Days of Dagster run history kept (pipelines/run_history.py); 0 keeps every run.
    run_retention_days: int = 90

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get("WORKPLAN_HOME", PROJECT_ROOT / "data")).resolve()

        def path(var: str, default: Path) -> Path:
            return Path(os.environ.get(var, default)).resolve()

        def number(var: str, default: str, kind: type, hint: str):
            try:
                return kind(os.environ.get(var, default))
            except ValueError:
                raise SettingsError(f"{var}={os.environ[var]!r} is not {hint}") from None

        pace_band = number(
            "WORKPLAN_PACE_BAND", "0.05", float, "a number; give a share of the target such as 0.05"
        )
        run_retention_days = number(
            "WORKPLAN_RUN_RETENTION_DAYS",
            "90",
            int,
            "a whole number of days; give one such as 90, or 0 to keep every run",
        )
        kept = deployment_settings(home)
        # The environment wins; WORKPLAN_AS_OF_DATE=today judges on today whatever was kept.
        as_of_date = os.environ.get("WORKPLAN_AS_OF_DATE") or kept.get("as_of_date", "")
        settings = cls(
            home=home,
            landing=path("WORKPLAN_LANDING", home / "landing"),
            archive=path("WORKPLAN_ARCHIVE", home / "archive"),
            warehouse=path("WORKPLAN_WAREHOUSE", home / "warehouse" / "workplan.duckdb"),
            analysts=path("WORKPLAN_ANALYSTS_DB", home / "warehouse" / "analysts.duckdb"),
            reports=path("WORKPLAN_REPORTS", home / "reports"),
            # Receipts for departments, one folder each: outbox/<department>/.
            outbox=path("WORKPLAN_OUTBOX", home / "outbox"),
            dagster_home=path("DAGSTER_HOME", home / "dagster"),
            # A share of the target: within ±5 points of 序时进度 counts as on pace.
            pace_band=pace_band,
            # Empty: today in Asia/Shanghai at each run. Set to replay a past day (the demo).
            as_of_date="" if as_of_date == "today" else as_of_date,
            # Off unless set: a closed network must not be called without being asked to.
            alert_webhook=os.environ.get("WORKPLAN_ALERT_WEBHOOK", ""),
            validation_engine=os.environ.get("WORKPLAN_VALIDATION_ENGINE", "auto"),
            run_retention_days=run_retention_days,
        )
        settings.check()
        return settings

    def keep_judging_date(self) -> None:
        """Keep this deployment's judging date in its home, for every later command and the UI."""
        self.home.mkdir(parents=True, exist_ok=True)
        kept = deployment_settings(self.home) | {"as_of_date": self.as_of_date}
        path = self.home / DEPLOYMENT_FILE
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")
        partial.replace(path)

    def check(self) -> None:
        """Refuse settings that would fail a run part-way, after files were received: a day
        that does not exist, a band outside 0-1, an unknown engine, a webhook that is no URL."""
        if self.as_of_date:
            try:
                dt.date.fromisoformat(self.as_of_date)
            except ValueError:
                raise SettingsError(
                    f"WORKPLAN_AS_OF_DATE={self.as_of_date!r} is not a day of the calendar; "
                    "give one as YYYY-MM-DD, e.g. 2024-11-20, or leave it empty for today"
                ) from None
        if not 0 <= self.pace_band < 1:
            raise SettingsError(
                f"WORKPLAN_PACE_BAND={str(self.pace_band)!r} is outside 0-1; give a share of the "
                "target such as 0.05"
            )
        if self.validation_engine not in VALIDATION_ENGINES:
            raise SettingsError(
                f"WORKPLAN_VALIDATION_ENGINE={self.validation_engine!r} is not one of "
                f"{', '.join(VALIDATION_ENGINES)}"
            )
        if self.alert_webhook and not self.alert_webhook.startswith(("http://", "https://")):
            raise SettingsError(
                f"WORKPLAN_ALERT_WEBHOOK={self.alert_webhook!r} is not an http(s) URL"
            )


def deployment_settings(home: Path) -> dict:
    """What the deployment at `home` keeps about itself (`DEPLOYMENT_FILE`); empty if nothing."""
    path = home / DEPLOYMENT_FILE
    if not path.exists():
        return {}
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise SettingsError(f"{path} is not valid JSON ({error}); fix or delete it") from None
    if not isinstance(kept, dict):
        raise SettingsError(f'{path} must hold a JSON object such as {{"as_of_date": ...}}')
    return kept
