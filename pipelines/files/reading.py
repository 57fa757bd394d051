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

from pipelines.files import bounds, units
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
from pipelines.files.row_kinds import classify_rows, refuse_rows_after_the_end, skipped_rows
from pipelines.files.workbook import load_workbook
from pipelines.store.warehouse import quote_identifier

CSV_SUFFIXES = {".csv", ".txt"}
# Not .xlsb nor .ods: calamine reads them, but how far their sheets reach cannot be measured
# before it allocates them (see pipelines.files.bounds), and Excel saves .xlsx unless told
# otherwise.
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
# The line an official document puts above a table's title: 附件2, 附表1, 表3.
ATTACHMENT = re.compile(r"^(附件|附表|表)\s*[\d一二三四五六七八九十]*\s*[:：]?$")
# What clerks type in a cell that has nothing to report: dashes of every width, a slash, 无.
EMPTY_MARKERS = (
    "('-', '--', '—', '——', '–', '－', '―', '/', '／', '\\', '无', '暂无', '空', '未交付', "
    "'未开工', '未投用', '未填')"
)


def describe_surroundings(
    con: duckdb.DuckDBPyConnection, target: str, match: HeaderMatch, above: list[list[str]]
) -> None:
    """Set the title (the first line above the header led by an unlabelled cell), the labelled
    lines above and below the table, which are submission metadata, never data, and the units
    the lines above the table name for its figures (`unit_line`)."""
    cells = ", ".join(f"c{i}" for i in range(match.width))
    footers = con.execute(
        f"select [{cells}] from {quote_identifier(target)} where row_kind = 'footer' "
        "order by row_number"
    ).fetchall()
    lines = [row for row in above if not is_blank(row)]
    match.metadata = labelled_values(lines + [row for (row,) in footers])
    # The title leads its line; a 单位：万元 or 制表日期 beside it at the right does not make the
    # line a label, while a line led by a label (填报单位：…), a unit or 附件2 is no title.
    leads = [next(cell.strip() for cell in row if cell.strip()) for row in lines]
    titles = [
        lead
        for lead in leads
        if not (LABELLED_VALUE.search(lead) or units.as_unit(lead) or ATTACHMENT.match(lead))
    ]
    match.title = titles[0] if titles else None
    # 单位：万元 as a labelled line, in a title's brackets, or a cell that is a unit alone.
    line = units.line_units(match.table_unit)
    for row in lines:
        line += [u for cell in row if cell.strip() for u in units.units_named(cell)]
    match.unit_line = list(dict.fromkeys(line))


def settle_units(match: HeaderMatch, contract: Contract) -> None:
    """Settle the unit each column's figures are in (`match.units`), from its header, a parent
    header over it, a unit row or a 单位 line; refuse the file naming the column and the unit
    when that unit does not convert exactly to the contract's."""
    columns = [c for c in contract.columns if c.name in match.positions]
    match.units = units.column_units(columns, match.header_units, match.unit_line)
    for column in columns:
        unit = match.units[column.name]
        if unit is not None:
            header = match.headers[column.name]
            units.refuse_unit(column, unit, match.positions[column.name], header)


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
    con: duckdb.DuckDBPyConnection,
    path: Path,
    contract: Contract,
    target: str,
    rows_folder: Path | None = None,
) -> HeaderMatch:
    """Read `path` into `target` (row_number, c0..cN as text, row_kind), a temp table or, for a
    plain CSV read into a file in `rows_folder` (kept by the caller while it reads `target`), a
    temp view (`pipelines.files.csv_reader.load_csv`); `row_kinds.drop` drops either.

    The returned match also carries the file's title, its labelled lines (`metadata`) and
    `warnings` from checking its 合计 row, which is read with the value parsers: `con` must hold
    them (`sql/setup/parsers.sql`, installed by `pipelines.store.ingest.prepare`).
    """
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        bounds.check_csv(path)
        match, above = load_csv(con, path, contract, target, rows_folder)
    elif suffix in WORKBOOK_SUFFIXES:
        bounds.check_workbook(path)
        match, above = load_workbook(con, path, contract, target)
    else:
        raise FileRejected(
            f"Files of type '{suffix or '(none)'}' are not accepted; send .xlsx, .xls or .csv.",
            f"不接受“{suffix or '无扩展名'}”类型的文件；请报送 .xlsx、.xls 或 .csv 文件。",
        )
    describe_surroundings(con, target, match, above)
    settle_units(match, contract)
    classify_rows(con, target, match)
    refuse_rows_after_the_end(con, target, match.width)
    # The reader's own warnings (hidden sheets not read) come first.
    match.warnings = [
        *match.warnings,
        *ignored_columns(match),
        *skipped_rows(con, target),
        *reconcile_totals(con, target, match, contract),
    ]
    return match


def canonical_select(match: HeaderMatch, contract: Contract, source: str) -> str:
    """SQL selecting the contract's columns, as trimmed text, from a loaded file's data rows.

    Blank, total (合计/小计/总计) and footer rows are dropped here, before anything counts them,
    as are the rows `pipelines.files.row_kinds` tells are not data (以下空白, 其中, 栏次, a
    header printed again, a section heading).
    """
    parts = ["row_number"]
    for column in contract.columns:
        pos = match.positions.get(column.name)
        if pos is None:
            expr = "null::varchar"
        elif column.required:
            expr = f"nullif(trim(c{pos}), '')"
        else:
            # An optional cell left as —, / or 无 is empty, not a value that fails to parse; a
            # required one keeps the marker so its rule names what was typed.
            cell = f"trim(c{pos})"
            expr = f"case when {cell} in {EMPTY_MARKERS} then null else nullif({cell}, '') end"
        parts.append(f"{expr} as {quote_identifier(column.name)}")
    any_value = " or ".join(
        f"nullif(trim(c{pos}), '') is not null" for pos in sorted(match.positions.values())
    )
    return (
        f"select {', '.join(parts)} from {quote_identifier(source)} "
        f"where row_kind = 'data' and ({any_value})"
    )
