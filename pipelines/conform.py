"""Typing department text: how each contract type is parsed from the raw layer's text.

The raw tables keep values exactly as received; `staging.<feed>_typed` views apply the parsers in
`sql/setup/parsers.sql`, so validation and staging read the same typed values.
"""

from __future__ import annotations

import duckdb

from pipelines.contracts import Contract
from pipelines.warehouse import quote_identifier

TYPED_EXPRESSIONS = {
    "text": "{col}",
    "integer": "try_cast(parse_number({col}) as bigint)",
    "decimal": "parse_number({col})",
    "date": "parse_date({col})",
    "month": "parse_month({col})",
}


def ensure_typed_view(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Create `staging.<feed>_typed`: the raw rows with every column parsed to its type."""
    typed = ", ".join(
        TYPED_EXPRESSIONS[c.type].format(col=quote_identifier(c.name))
        + f" as {quote_identifier(c.name)}"
        for c in contract.columns
    )
    con.execute(
        f"create or replace view staging.{quote_identifier(contract.feed + '_typed')} as "
        f"select submission_id, row_number, {typed} from raw.{quote_identifier(contract.feed)}"
    )
