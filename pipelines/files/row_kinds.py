"""Tell the rows below a header that are not data: 合计, 小计 and footer rows (填报人：…).

The test runs in DuckDB over every row, so a national file is classified in one scan.
"""

from __future__ import annotations

import duckdb

from pipelines.files.headers import LABEL_ALTERNATIVES
from pipelines.store.warehouse import quote_identifier

# RE2 patterns for DuckDB, whose \s does not match the ideographic space U+3000 (\p{Z} does).
_SPACE = r"[\s\p{Z}]*"
FOOTER_CELL = rf"^{_SPACE}({LABEL_ALTERNATIVES}){_SPACE}[:：]"
# A whole cell reading 合计 / 总计 (or 小计), spaced or not, maybe prefixed (全区合计) or with
# a colon after it.
TOTAL_CELL = rf"^{_SPACE}\p{{Han}}{{0,4}}{_SPACE}[合总]{_SPACE}计{_SPACE}[:：]?{_SPACE}$"
SUBTOTAL_CELL = rf"^{_SPACE}\p{{Han}}{{0,4}}{_SPACE}小{_SPACE}计{_SPACE}[:：]?{_SPACE}$"


def materialise(
    con: duckdb.DuckDBPyConnection, target: str, source: str, params: dict, width: int
) -> None:
    """Create temp table `target` (row_number, c0..cN, row_kind) from the data rows in `source`.

    row_kind tells the rows a reader must not count: 'total' (合计, 总计), 'subtotal' (小计) and
    'footer' (a row led by a label such as 填报人：); the rest are 'data'.
    """
    names = [f"c{i}" for i in range(width)]
    cells = f"[{', '.join(names)}]"
    # Only a row with 计 (合计, 小计, 总计) or a colon (填报人：) can be a total or a footer: the
    # regexes run on those rows alone, not on every row of a national file.
    text = f"concat({', '.join(names)})"
    con.execute(
        f"create or replace temp table {quote_identifier(target)} as "
        f"select row_number, {', '.join(names)}, case "
        f"when not (contains({text}, '计') or contains({text}, ':') or contains({text}, '：')) "
        "then 'data' "
        f"when len(list_filter({cells}, lambda x: regexp_matches(x, $total))) > 0 then 'total' "
        f"when len(list_filter({cells}, lambda x: regexp_matches(x, $subtotal))) > 0 "
        "then 'subtotal' "
        f"when regexp_matches(coalesce(list_filter({cells}, lambda x: regexp_matches(x, $filled))"
        "[1], ''), $footer) then 'footer' "
        f"else 'data' end as row_kind from {source}",
        params
        | {
            "total": TOTAL_CELL,
            "subtotal": SUBTOTAL_CELL,
            "footer": FOOTER_CELL,
            "filled": r"[^\s\p{Z}]",
        },
    )
