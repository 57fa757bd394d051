"""Materialization metadata shared by the assets: row counts and a small preview table."""

import dagster as dg
import duckdb

from pipelines.store.warehouse import quote_identifier

PREVIEW_ROWS = 10


def table_metadata(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict:
    """Row count and a Markdown preview of `schema.table`, as the Dagster UI shows them."""
    qualified = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    (rows,) = con.execute(f"select count(*) from {qualified}").fetchone()
    preview = con.execute(f"select * from {qualified} limit {PREVIEW_ROWS}").df()
    return {
        "dagster/row_count": dg.MetadataValue.int(int(rows)),
        "table": dg.MetadataValue.text(f"{schema}.{table}"),
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
    }
