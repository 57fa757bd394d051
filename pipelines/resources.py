"""The resources every asset uses: the warehouse paths and one way to open the DuckDB file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb

from pipelines.settings import TIMEZONE, Settings
from pipelines.store.ingest import prepare
from pipelines.store.warehouse import connect


class Warehouse(dg.ConfigurableResource):
    """The pipeline's own DuckDB file, the landing and archive folders, the analysts' copy, and
    the engine that runs the suites on it (pipelines/checks/validation.py)."""

    path: str
    landing: str
    archive: str
    analysts_path: str
    reports_path: str
    outbox_path: str
    validation_engine: str = "auto"

    @classmethod
    def from_settings(cls, settings: Settings) -> Warehouse:
        return cls(
            path=str(settings.warehouse),
            landing=str(settings.landing),
            archive=str(settings.archive),
            analysts_path=str(settings.analysts),
            reports_path=str(settings.reports),
            outbox_path=str(settings.outbox),
            validation_engine=settings.validation_engine,
        )

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write connection with schemas, parsers and raw tables in place.

        They are set up once per process and file: every step of a run connects, and the
        set-up is the same each time.
        """
        with connect(Path(self.path)) as con:
            if self.path not in _PREPARED:
                prepare(con)
                _PREPARED.add(self.path)
            yield con


# Warehouse files this process has already set up.
_PREPARED: set[str] = set()


class Scoring(dg.ConfigurableResource):
    """How pace is judged: the band around 序时进度 counted as on pace, and the day it is judged
    on (empty: today in Asia/Shanghai, read at run time so a long-running daemon moves on)."""

    pace_band: float
    as_of_date: str = ""

    def evaluation_date(self) -> dt.date:
        if self.as_of_date:
            return dt.date.fromisoformat(self.as_of_date)
        return dt.datetime.now(ZoneInfo(TIMEZONE)).date()


class Alerting(dg.ConfigurableResource):
    """Where alerts go besides the ledger.alerts table: a webhook URL, or nowhere (default)."""

    webhook_url: str = ""
