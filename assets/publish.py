"""The analysts' DuckDB file: a finished copy of the marts and the ledger, swapped in atomically."""

from pathlib import Path

import dagster as dg

from assets.marts import (
    alerts,
    dimensions,
    facts,
    feed_metrics,
    feed_status,
    indicator_actuals,
    indicator_progress,
    scorecard_history,
)
from assets.metadata import DATA_OFFICE
from pipelines.resources import Warehouse
from pipelines.store.facts import FACTS, MARTS, view_query
from pipelines.store.warehouse import publish_copy, run_sql

PUBLISHED_SCHEMAS = ["marts", "ledger"]


@dg.asset(
    key=["analysts", "warehouse_file"],
    group_name="analysts",
    owners=[DATA_OFFICE],
    kinds={"duckdb"},
    deps=[
        *dimensions.keys,
        *facts.keys,
        feed_metrics.key,
        feed_status.key,
        indicator_actuals.key,
        *indicator_progress.keys,
        *scorecard_history.keys,
        alerts.key,
    ],
)
def analysts_warehouse_file(warehouse: Warehouse) -> dg.MaterializeResult:
    """The file analysts open (data/warehouse/analysts.duckdb by default): the marts and the
    submission ledger, written to a new file in a storage format DuckDB 1.x clients read, then
    swapped in with os.replace so a reader never sees a half-written copy or waits on a lock.

    The fact tables' rows are not in it: its marts.<fact> views read the same immutable raw
    files as the warehouse's (pipelines/store/facts.py), so a publish writes the small marts
    and the ledger only, whatever the size of the facts."""
    with warehouse.connect() as con:
        # The marts were just rebuilt (create or replace drops comments): describe them again.
        run_sql(con, "marts/comments")
        views = {MARTS: {table: view_query(con, table) for table in FACTS}}
        publish_copy(con, Path(warehouse.analysts_path), PUBLISHED_SCHEMAS, views)
        # The raw files the fact views read: one per current submission of a fact's feed.
        (files,) = con.execute(
            "select count(distinct submission_id) from marts.current_submissions "
            "where list_contains($feeds, feed)",
            {"feeds": list(FACTS.values())},
        ).fetchone()
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(warehouse.analysts_path),
            "schemas": dg.MetadataValue.text(", ".join(PUBLISHED_SCHEMAS)),
            "raw_files_read": dg.MetadataValue.int(files),
        }
    )
