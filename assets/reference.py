"""Reference data: the target catalog and departments (`catalog/*.csv`), and who owes which feed
when (`contracts/*.yaml`).

Every sensor's run includes these assets, so a run works on a fresh warehouse. The tables are
reloaded only when what they are built from changed; otherwise the step just reports them.
"""

import hashlib
from pathlib import Path

import dagster as dg
import duckdb

from assets.metadata import DATA_OFFICE, table_metadata, table_name
from pipelines.files.contracts import FEEDS, load_contract
from pipelines.resources import Warehouse
from pipelines.settings import CATALOG_ROOT, CONTRACTS_ROOT, PROJECT_ROOT, SQL_ROOT
from pipelines.store.ingest import sha256_of
from pipelines.store.warehouse import run_sql, table_kind, transaction

REFERENCE = "reference"
# One row: the SHA-256 of the sources the reference tables were last loaded from.
LOADED_FROM_TABLE = "reference.loaded_from"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            [REFERENCE, "targets"],
            group_name=REFERENCE,
            kinds={"duckdb", "csv"},
            owners=[DATA_OFFICE],
            metadata=table_name(REFERENCE, "targets"),
            description="Every version of the 21 targets of the 2024 plan (catalog/targets.csv), "
            "one row per indicator and version; table reference.targets.",
        ),
        dg.AssetSpec(
            [REFERENCE, "departments"],
            group_name=REFERENCE,
            kinds={"duckdb", "csv"},
            owners=[DATA_OFFICE],
            metadata=table_name(REFERENCE, "departments"),
            description="The district departments that report or lead targets "
            "(catalog/departments.csv), one row per department; table reference.departments.",
        ),
        dg.AssetSpec(
            [REFERENCE, "feed_departments"],
            group_name=REFERENCE,
            kinds={"duckdb", "csv"},
            owners=[DATA_OFFICE],
            metadata=table_name(REFERENCE, "feed_departments"),
            description="Who sends which feed and when, from contracts/*.yaml: one row per feed "
            "and department with cadence (monthly or annual) and due day; "
            "table reference.feed_departments.",
        ),
    ]
)
def reference_catalog(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """Load the target catalog, the departments and the feed obligations."""
    digest = sources_digest()
    with warehouse.connect() as con:
        if loaded_digest(con) == digest:
            context.log.info("Catalog and contracts unchanged since the last load: not reloaded")
        else:
            with transaction(con):
                run_sql(
                    con,
                    "reference/load",
                    {
                        "targets_csv": str(CATALOG_ROOT / "targets.csv"),
                        "departments_csv": str(CATALOG_ROOT / "departments.csv"),
                    },
                )
                load_feed_departments(con)
                con.execute(
                    f"create or replace table {LOADED_FROM_TABLE} as select ? as sha256", [digest]
                )
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


def sources_digest() -> str:
    """One SHA-256 over all the reference tables are built from: the catalog CSVs and the
    contracts, and the code that loads them (its SQL, this module, the contract reader)."""
    digest = hashlib.sha256()
    sources = [
        CATALOG_ROOT / "targets.csv",
        CATALOG_ROOT / "departments.csv",
        *(CONTRACTS_ROOT / f"{feed}.yaml" for feed in FEEDS),
        SQL_ROOT / "reference" / "load.sql",
        Path(__file__),
        PROJECT_ROOT / "pipelines" / "files" / "contracts.py",
    ]
    for path in sources:
        digest.update(f"{path.name}:{sha256_of(path)};".encode())
    return digest.hexdigest()


def loaded_digest(con: duckdb.DuckDBPyConnection) -> str | None:
    """The sources digest the reference tables were last loaded from; None on a new warehouse."""
    if table_kind(con, *LOADED_FROM_TABLE.split(".")) is None:
        return None
    return con.execute(f"select sha256 from {LOADED_FROM_TABLE}").fetchone()[0]
