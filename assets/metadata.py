"""Materialization metadata shared by the assets: row counts and a small preview table.

Values in the ledger come from outside (a file's name is whatever the clerk typed), so every one
that reaches Markdown is escaped: the UI renders Markdown, and a name holding `|`, `*`, `[x](…)`
or `<img …>` must read as the name, not as table cells, links or HTML.
"""

import re

import dagster as dg
import duckdb

from pipelines.store.warehouse import quote_identifier

PREVIEW_ROWS = 10
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def markdown_text(value: object) -> str:
    """`value` as literal text inside Markdown: punctuation escaped, angle brackets as entities,
    line breaks as spaces."""
    text = _MARKDOWN.sub(r"\\\1", str(value))
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.splitlines())


def table_metadata(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict:
    """Row count and a Markdown preview of `schema.table`, as the Dagster UI shows them."""
    qualified = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    (rows,) = con.execute(f"select count(*) from {qualified}").fetchone()
    preview = con.execute(f"select * from {qualified} limit {PREVIEW_ROWS}").df()
    preview = preview.map(lambda v: markdown_text(v) if isinstance(v, str) else v)
    return {
        "dagster/row_count": dg.MetadataValue.int(int(rows)),
        "table": dg.MetadataValue.text(f"{schema}.{table}"),
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
    }
