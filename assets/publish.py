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
from pipelines.store.facts import (
    FACTS,
    forget_published_file,
    published_file_known,
    record_published,
    sync_published,
)
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

    The new file starts as a copy of the last one published when that is still the file in
    place: the small marts and the ledger are written again, and the fact tables, the bulk of
    the rows, only gain and lose the rows of submissions that changed since, so a quiet night
    does not rewrite them."""
    target = Path(warehouse.analysts_path)
    with warehouse.connect() as con:
        # The marts were just rebuilt (create or replace drops comments): describe them again.
        run_sql(con, "marts/comments")
        reuse = published_file_known(con, target)
        forget_published_file(con)
        emptied = publish_copy(
            con,
            target,
            PUBLISHED_SCHEMAS,
            kept={"marts": list(FACTS)},
            sync=lambda con, alias, emptied: sync_published(con, alias, emptied["marts"]),
            reuse=reuse,
        )
        record_published(con, target, emptied["marts"])
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(warehouse.analysts_path),
            "schemas": dg.MetadataValue.text(", ".join(PUBLISHED_SCHEMAS)),
            "copied_from_last_publish": dg.MetadataValue.bool(reuse),
            "fact_tables_written_whole": dg.MetadataValue.text(
                ", ".join(emptied["marts"]) or "none"
            ),
        }
    )
