"""Turn a department's file into canonical text rows, whatever shape the file arrives in.

Clerks send the workbook they keep: a title row, a header over one or two rows (merged cells),
blank rows and columns, 合计 rows and a footer naming who filled it in. This module routes a file
to its reader (`csv_reader`, `workbook`), which finds the header (`headers`) and loads the rows
below it as text with their kind (`row_kinds`); it then reads the lines around the table and
checks a 合计 row. Every data row keeps the row number the clerk sees and every value stays the
text received: typing happens in SQL (`pipelines.store.conform`) so the raw layer is exactly what
the department sent.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import duckdb

from pipelines.files import bounds
from pipelines.files.contracts import Column, Contract
from pipelines.files.csv_reader import load_csv
from pipelines.files.headers import (
    LABELLED_VALUE,
    HeaderMatch,
    ignored_columns,
    is_blank,
    labelled_values,
)
from pipelines.files.rejection import FileRejected
from pipelines.files.workbook import load_workbook
from pipelines.store.warehouse import quote_identifier

CSV_SUFFIXES = {".csv", ".txt"}
# Not .xlsb nor .ods: calamine reads them, but how far their sheets reach cannot be measured
# before it allocates them (see pipelines.files.bounds), and Excel saves .xlsx unless told
# otherwise.
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls"}


def describe_surroundings(
    con: duckdb.DuckDBPyConnection, target: str, match: HeaderMatch, above: list[list[str]]
) -> None:
    """Set the title (the first unlabelled line above the header) and the labelled lines above
    and below the table, which are submission metadata, never data."""
    cells = ", ".join(f"c{i}" for i in range(match.width))
    footers = con.execute(
        f"select [{cells}] from {quote_identifier(target)} where row_kind = 'footer' "
        "order by row_number"
    ).fetchall()
    lines = [row for row in above if not is_blank(row)]
    match.metadata = labelled_values(lines + [row for (row,) in footers])
    titles = [row for row in lines if not LABELLED_VALUE.search("  ".join(row))]
    match.title = (
        next((cell.strip() for cell in titles[0] if cell.strip()), None) if titles else None
    )


def decimals_in(text: str) -> int:
    """How many decimals a number is written with: the precision a total can be checked to."""
    found = re.search(r"\.(\d+)", unicodedata.normalize("NFKC", text))
    return len(found.group(1)) if found else 0


def additive(column: Column) -> bool:
    """Whether a 合计 row sums the column: amounts and counts add up, rates do not."""
    return column.type in ("integer", "decimal") and column.unit not in (None, "%")


def reconcile_totals(
    con: duckdb.DuckDBPyConnection, target: str, match: HeaderMatch, contract: Contract
) -> list[tuple[str, str]]:
    """Check a 合计 row against the detail rows' sum, rounded as the total is written.

    Only a single grand total can be checked: several 合计 rows are totals of sections that no
    one sum matches. A mismatch is a warning.
    """
    columns = [c for c in contract.columns if c.name in match.positions and additive(c)]
    if not columns:
        return []
    table = quote_identifier(target)
    cells = [f"c{match.positions[c.name]}" for c in columns]
    totals = con.execute(
        f"select row_number, {', '.join(cells)}, "
        f"{', '.join(f'parse_number({c})' for c in cells)} from {table} where row_kind = 'total'"
    ).fetchall()
    if len(totals) != 1:
        return []
    sums = con.execute(
        f"select {', '.join(f'sum(parse_number({c}))' for c in cells)} from {table} "
        "where row_kind = 'data'"
    ).fetchone()
    row_number, *values = totals[0]
    written, parsed = values[: len(cells)], values[len(cells) :]
    warnings = []
    for column, text, total, detail in zip(columns, written, parsed, sums, strict=True):
        if total is None:
            continue
        added = Decimal(detail or 0).quantize(Decimal(1).scaleb(-decimals_in(text)))
        if added != total:
            header = match.headers[column.name]
            warnings.append(
                (
                    f"Row {row_number} (合计) gives {text} for {header}, but the detail rows add "
                    f"up to {added}; check the total or the rows above it.",
                    f"第{row_number}行合计的“{header}”为 {text}，但明细行相加为 {added}；"
                    "请核对合计数或明细数据。",
                )
            )
    return warnings


def load_file(
    con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, target: str
) -> HeaderMatch:
    """Read `path` into temp table `target` (row_number, c0..cN as text, row_kind).

    The returned match also carries the file's title, its labelled lines (`metadata`) and
    `warnings` from checking its 合计 row, which is read with the value parsers: `con` must hold
    them (`sql/setup/parsers.sql`, installed by `pipelines.store.ingest.prepare`).
    """
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        bounds.check_csv(path)
        match, above = load_csv(con, path, contract, target)
    elif suffix in WORKBOOK_SUFFIXES:
        bounds.check_workbook(path)
        match, above = load_workbook(con, path, contract, target)
    else:
        raise FileRejected(
            f"Files of type '{suffix or '(none)'}' are not accepted; send .xlsx, .xls or .csv.",
            f"不接受“{suffix or '无扩展名'}”类型的文件；请报送 .xlsx、.xls 或 .csv 文件。",
        )
    describe_surroundings(con, target, match, above)
    match.warnings = ignored_columns(match) + reconcile_totals(con, target, match, contract)
    return match


def canonical_select(match: HeaderMatch, contract: Contract, source: str) -> str:
    """SQL selecting the contract's columns, as trimmed text, from a loaded file's data rows.

    Blank, total (合计/小计/总计) and footer rows are dropped here, before anything counts them.
    """
    parts = ["row_number"]
    for column in contract.columns:
        pos = match.positions.get(column.name)
        expr = f"nullif(trim(c{pos}), '')" if pos is not None else "null::varchar"
        parts.append(f"{expr} as {quote_identifier(column.name)}")
    any_value = " or ".join(
        f"nullif(trim(c{pos}), '') is not null" for pos in sorted(match.positions.values())
    )
    return (
        f"select {', '.join(parts)} from {quote_identifier(source)} "
        f"where row_kind = 'data' and ({any_value})"
    )
