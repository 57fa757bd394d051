"""Reference data: the target catalog and departments (`catalog/*.csv`), and who owes which feed
when (`contracts/*.yaml`)."""

import dagster as dg
import duckdb

from assets.metadata import table_metadata
from pipelines.contracts import FEEDS, load_contract
from pipelines.resources import Warehouse
from pipelines.settings import CATALOG_ROOT
from pipelines.warehouse import run_sql, transaction

REFERENCE = "reference"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            [REFERENCE, "targets"],
            group_name=REFERENCE,
            description="Every version of the 21 targets of the 2024 plan (catalog/targets.csv), "
            "one row per indicator and version; table reference.targets.",
        ),
        dg.AssetSpec(
            [REFERENCE, "departments"],
            group_name=REFERENCE,
            description="The district departments that report or lead targets "
            "(catalog/departments.csv), one row per department; table reference.departments.",
        ),
        dg.AssetSpec(
            [REFERENCE, "feed_departments"],
            group_name=REFERENCE,
            description="Who sends which feed and when, from contracts/*.yaml: one row per feed "
            "and department with cadence (monthly or annual) and due day; "
            "table reference.feed_departments.",
        ),
    ]
)
def reference_catalog(warehouse: Warehouse):
    """Load the target catalog, the departments and the feed obligations."""
    with warehouse.connect() as con:
        run_sql(
            con,
            "reference/load",
            {
                "targets_csv": str(CATALOG_ROOT / "targets.csv"),
                "departments_csv": str(CATALOG_ROOT / "departments.csv"),
            },
        )
        load_feed_departments(con)
        for table in ("targets", "departments", "feed_departments"):
            yield dg.MaterializeResult(
                asset_key=[REFERENCE, table], metadata=table_metadata(con, REFERENCE, table)
            )


def load_feed_departments(con: duckdb.DuckDBPyConnection) -> None:
    """One row per feed and department the contracts oblige to report, atomically replaced."""
    rows = [
        (feed, contract.title_zh, department, contract.cadence_of(department), contract.due_day)
        for feed in FEEDS
        for contract in [load_contract(feed)]
        for department in contract.departments
    ]
    with transaction(con):
        con.execute(
            "create or replace table reference.feed_departments (feed varchar not null, "
            "feed_zh varchar not null, department varchar not null, cadence varchar not null, "
            "due_day integer not null)"
        )
        con.executemany("insert into reference.feed_departments values (?, ?, ?, ?, ?)", rows)
