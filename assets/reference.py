"""Reference data: the departments (`catalog/departments.csv`), who owes which feed when
(`contracts/*.yaml`), and every plan year's targets as the supervision office sent them (the
accepted plan files, `staging.plans`).

Every sensor's run includes these assets, so a run works on a fresh warehouse. The tables are
reloaded only when what they are built from changed (for the targets: which plan files count);
otherwise the step just reports them.
"""

import hashlib
from pathlib import Path

import dagster as dg
import duckdb

from assets.metadata import DATA_OFFICE, table_metadata, table_name
from pipelines.files.contracts import FEEDS, ON_REVISION, PLAN_FEED, load_contract
from pipelines.resources import Warehouse
from pipelines.settings import CATALOG_ROOT, CONTRACTS_ROOT, PROJECT_ROOT, SQL_ROOT
from pipelines.store.ingest import sha256_of
from pipelines.store.warehouse import insert_rows, run_sql, table_kind, transaction

REFERENCE = "reference"
# One row: the SHA-256 of the sources the reference tables were last loaded from.
LOADED_FROM_TABLE = "reference.loaded_from"
# One row: the SHA-256 of the plan files (and code) reference.targets was last built from.
TARGETS_LOADED_FROM_TABLE = "reference.targets_loaded_from"


@dg.multi_asset(
    specs=[
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
    """Load the departments and the feed obligations."""
    digest = sources_digest()
    with warehouse.connect() as con:
        if loaded_digest(con) == digest:
            context.log.info("Catalog and contracts unchanged since the last load: not reloaded")
        else:
            with transaction(con):
                run_sql(
                    con,
                    "reference/load",
                    {"departments_csv": str(CATALOG_ROOT / "departments.csv")},
                )
                load_feed_departments(con)
                con.execute(
                    f"create or replace table {LOADED_FROM_TABLE} as select ? as sha256", [digest]
                )
        for table in ("departments", "feed_departments"):
            yield dg.MaterializeResult(
                asset_key=[REFERENCE, table], metadata=table_metadata(con, REFERENCE, table)
            )


@dg.asset(
    key=[REFERENCE, "targets"],
    group_name=REFERENCE,
    kinds={"duckdb", "file"},
    owners=[DATA_OFFICE],
    metadata=table_name(REFERENCE, "targets"),
    deps=[dg.AssetKey(["staging", PLAN_FEED])],
)
def targets(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Every version of every plan year's targets, one row per plan year, indicator and version,
    from the supervision office's (督查室) accepted plan files in landing/plans/ (staging.plans);
    table reference.targets. A plan is data like any department's figures: a new year's plan or
    a revised target is a file, validated and recorded in the ledger, never a change of code."""
    with warehouse.connect() as con:
        digest = plans_digest(con)
        if loaded_digest(con, TARGETS_LOADED_FROM_TABLE) == digest:
            context.log.info("The plan files that count are unchanged: targets not rebuilt")
        else:
            with transaction(con):
                run_sql(con, "reference/targets")
                con.execute(
                    f"create or replace table {TARGETS_LOADED_FROM_TABLE} as select ? as sha256",
                    [digest],
                )
        metadata = table_metadata(con, REFERENCE, "targets")
        years = [
            y
            for (y,) in con.execute(
                "select distinct plan_year from reference.targets order by plan_year"
            ).fetchall()
        ]
    metadata["plan_years"] = dg.MetadataValue.text(", ".join(map(str, years)) or "none")
    return dg.MaterializeResult(metadata=metadata)


def load_feed_departments(con: duckdb.DuckDBPyConnection) -> None:
    """One row per feed and department the contracts oblige to report, atomically replaced. A
    plan is sent when it is published or revised: it owes no month, so it is no obligation."""
    rows = [
        (feed, contract.title_zh, department, contract.cadence_of(department), contract.due_day)
        for feed in FEEDS
        for contract in [load_contract(feed)]
        if contract.cadence != ON_REVISION
        for department in contract.departments
    ]
    with transaction(con):
        con.execute(
            "create or replace table reference.feed_departments (feed varchar not null, "
            "feed_zh varchar not null, department varchar not null, cadence varchar not null, "
            "due_day integer not null)"
        )
        insert_rows(con, "reference.feed_departments", rows)


def sources_digest() -> str:
    """One SHA-256 over all the departments and obligations are built from: the departments CSV
    and the contracts, and the code that loads them (its SQL, this module, the contract reader)."""
    digest = hashlib.sha256()
    sources = [
        CATALOG_ROOT / "departments.csv",
        *(CONTRACTS_ROOT / f"{feed}.yaml" for feed in FEEDS),
        SQL_ROOT / "reference" / "load.sql",
        Path(__file__),
        PROJECT_ROOT / "pipelines" / "files" / "contracts.py",
    ]
    for path in sources:
        digest.update(f"{path.name}:{sha256_of(path)};".encode())
    return digest.hexdigest()


def plans_digest(con: duckdb.DuckDBPyConnection) -> str:
    """One SHA-256 over the plan files that count (each period's current plan submission, in
    order) and the code that builds the targets from them."""
    digest = hashlib.sha256()
    current = con.execute(
        "select submission_id, period from staging.current_submissions where feed = ? order by all",
        [PLAN_FEED],
    ).fetchall()
    digest.update(repr(current).encode())
    for path in (SQL_ROOT / "reference" / "targets.sql", Path(__file__)):
        digest.update(f"{path.name}:{sha256_of(path)};".encode())
    return digest.hexdigest()


def loaded_digest(con: duckdb.DuckDBPyConnection, table: str = LOADED_FROM_TABLE) -> str | None:
    """The digest a reference table was last loaded from; None on a new warehouse."""
    if table_kind(con, *table.split(".")) is None:
        return None
    return con.execute(f"select sha256 from {table}").fetchone()[0]
