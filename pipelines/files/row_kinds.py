"""Tell the rows below a header that are not data: 合计, 小计 and footer rows (填报人：…), and
the rows that hold no item of their own (以下空白, 其中 breakdowns, 栏次 rows, section headings,
a header printed again on each page), which are skipped with one warning per kind.

The test runs in DuckDB over every row, so a national file is classified in one scan.
"""

from __future__ import annotations

import duckdb

from pipelines.files.headers import LABEL_ALTERNATIVES, LABEL_NOTE
from pipelines.files.rejection import FileRejected
from pipelines.store.warehouse import quote_identifier, table_kind

# RE2 patterns for DuckDB, whose \s does not match the ideographic space U+3000 (\p{Z} does).
_SPACE = r"[\s\p{Z}]*"
FOOTER_CELL = rf"^{_SPACE}({LABEL_ALTERNATIVES}){_SPACE}{LABEL_NOTE}{_SPACE}[:：]"
# A whole cell naming a total: 合计, 总计, 共计 or 汇总 (Excel's own total row in Chinese), or
# 小计, spaced or not; after what it totals (全区合计, 哈尔滨新区合计, A级景区小计), maybe with a
# colon or a bracketed note after it (合计（全区）, 全区总计（含乡村游）). A row so labelled that
# is read as data is one more item holding the sum of the others: a tourism file's 哈尔滨新区合计
# doubled the month's revenue.
_TOTALLED = rf"^{_SPACE}[\p{{Han}}A-Za-z0-9Ａ-Ｚａ-ｚ０-９]{{0,16}}{_SPACE}"
_NOTE = rf"{_SPACE}[:：]?{_SPACE}([(（][^)）]{{0,30}}[)）])?{_SPACE}$"
TOTAL_CELL = rf"{_TOTALLED}([合总共]{_SPACE}计|汇{_SPACE}总){_NOTE}"
SUBTOTAL_CELL = rf"{_TOTALLED}小{_SPACE}计{_NOTE}"


# Rows below a header that hold no item of their own, each kind told by a pattern over its
# non-blank cells (spaces removed):
# - 'end_marker': 以下空白 / 以下无数据 / 此页空白, which closes the table;
# - 'breakdown': a row labelled 其中 (其中：外资项目), a part of the row above, not a new item;
# - 'column_numbers': a 栏次 row (甲 乙 1 2 3…) printed again under a page's header;
# - 'section': a heading such as 一、招商引资项目 or （二）省级重点, alone in its row (or merged
#   across it, which fills every cell with it).
END_MARKER = (
    r"^[(（]?(本页|此页|本表)?(以下|以下各行|此下|下)?(为?空白|无数据|无内容|无记录|空|无|为空|"
    r"无正文|未填)[)）。.]?$"
)
BREAKDOWN = r"^[(（]?其中[)）]?([:：、,，].*|[^\d].*)?$"
COLUMN_NUMBER = r"^(栏次|栏号|行次|序号|[甲乙丙丁戊己庚辛壬癸]|\d{1,3})$"
COLUMN_LABEL = r"^(栏次|栏号|行次|甲|乙)$"
# What a row of one of the kinds above, or a total or footer, holds: one alternation of words
# over the row's text (a character class such as [空无、）] let through a quarter of a national
# registrations file, whose names hold them, into the patterns below). Only rows holding one of
# these words, a lone short cell or a heading's start reach the patterns.
# A row that is one short mark (空, 无, 暂无, 未填…) and a section heading's start (一、, （二）)
# are alternatives of the same pattern, anchored, so each row's text is scanned once.
HINT = (
    r"计|汇[\s\p{Z}]*总|:|：|其中|栏|以下|空白|无数据|无记录|无内容|本页|此页|甲"
    r"|^[\s\p{Z}]*[(（]?(为|暂)?(空|无|未填)[)）。.]?[\s\p{Z}]*$"
    r"|^[\s\p{Z}]*([一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])"
)
SECTION = r"^([一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]).+$"
# Row kinds a reader skips with a warning, the words naming each in that warning.
SKIPPED = {
    "end_marker": ("end-of-table marks (以下空白)", "表格结束标记（以下空白等）"),
    "breakdown": ("其中 rows, parts of the row above", "“其中”分项行（属于上一行的组成部分）"),
    "column_numbers": ("栏次 rows (column numbers)", "栏次行（甲、乙、1、2…）"),
    "repeated_header": ("the header printed again", "重复出现的表头（如分页打印的表头）"),
    "section": ("section headings", "分组标题行（如“一、…”）"),
}


def drop(con: duckdb.DuckDBPyConnection, target: str) -> None:
    """Drop the loaded rows `target`, a temp table or a temp view."""
    kind = table_kind(con, "main", target, "temp")
    if kind is not None:
        con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} {quote_identifier(target)}")


def writable(con: duckdb.DuckDBPyConnection, target: str) -> None:
    """Make the loaded rows `target` a temp table, which a row's kind can be set in: a view
    over a national CSV's landed rows (`view_rows`) is copied into one only when some row is
    to change, or when its file is about to go."""
    if table_kind(con, "main", target, "temp") != "VIEW":
        return
    table = quote_identifier(target)
    copy = quote_identifier(target + "_copy")
    con.execute(f"create or replace temp table {copy} as select * from {table}")
    con.execute(f"drop view {table}")
    con.execute(f"alter table {copy} rename to {table}")


def hint_test(width: int) -> str:
    """SQL true for a row whose cells c0..c{width-1} hold a word or mark of a row that is not
    data (`HINT`, bound as $hint)."""
    return f"regexp_matches(concat({', '.join(f'c{i}' for i in range(width))}), $hint)"


def hinted(con: duckdb.DuckDBPyConnection, source: str, width: int) -> int:
    """How many rows of `source` hold a word or mark of a row that is not data (`HINT`)."""
    # fetchall, not fetchone: a result left unread keeps the workbook reader from unregistering
    # its rows.
    [(count,)] = con.execute(
        f"select count(*) from {source} where {hint_test(width)}", {"hint": HINT}
    ).fetchall()
    return count


def view_rows(
    con: duckdb.DuckDBPyConnection, target: str, source: str, width: int, hinted_rows: int
) -> None:
    """Make `target` (row_number, c0..cN, row_kind) a temp view over `source`, a relation of
    numbered rows that outlives it, when none of its rows is hinted to be other than data
    (`hinted_rows`, counted by the caller as it wrote them); else a temp table
    (`materialise`). A national file's rows then pass through no table: held in one, they
    spilled to disk past the memory limit, and were read back from there."""
    if hinted_rows:
        materialise(con, target, source, {}, width)
        return
    names = ", ".join(f"c{i}" for i in range(width))
    drop(con, target)
    con.execute(
        f"create temp view {quote_identifier(target)} as "
        f"select row_number, {names}, 'data' as row_kind from {source}"
    )


def materialise(
    con: duckdb.DuckDBPyConnection, target: str, source: str, params: dict, width: int
) -> None:
    """Create temp table `target` (row_number, c0..cN, row_kind) from the data rows in `source`.

    row_kind tells the rows a reader must not count: 'total' (合计, 总计), 'subtotal' (小计),
    'footer' (a row led by a label such as 填报人：) and the kinds in `SKIPPED` (以下空白, 其中,
    栏次, a section heading); the rest are 'data'.

    The rows are copied as they are, all 'data', and then the kinds are told by a second
    statement over the copy, on the rows matching `HINT` alone (计 of 合计/小计/总计, a colon of
    填报人：, a word of another kind, a lone mark, a heading's start), when there are any: a
    file without such rows is spared compiling the patterns, which cost 14 ms at the start of
    the statement whatever its rows.
    """
    names = [f"c{i}" for i in range(width)]
    table = quote_identifier(target)
    drop(con, target)
    con.execute(
        f"create temp table {table} as "
        f"select row_number, {', '.join(names)}, 'data' as row_kind from {source}",
        params,
    )
    if not hinted(con, table, width):
        return
    cells = f"[{', '.join(names)}]"
    hint = hint_test(width)
    squeezed = ", ".join(f"regexp_replace({n}, $space, '', 'g')" for n in names)
    filled = f"list_filter([{squeezed}], lambda x: x <> '')"
    every = (
        "len({cells}) > 0 and len(list_filter({cells}, lambda x: not regexp_matches(x, ${p}))) = 0"
    )
    con.execute(
        f"update {table} set row_kind = case "
        f"when len(list_filter({cells}, lambda x: regexp_matches(x, $total))) > 0 then 'total' "
        f"when len(list_filter({cells}, lambda x: regexp_matches(x, $subtotal))) > 0 "
        "then 'subtotal' "
        f"when regexp_matches(coalesce(list_filter({cells}, lambda x: regexp_matches(x, $filled))"
        "[1], ''), $footer) then 'footer' "
        f"when {every.format(cells=filled, p='end')} then 'end_marker' "
        f"when len(list_filter({filled}, lambda x: regexp_matches(x, $breakdown))) > 0 "
        "then 'breakdown' "
        f"when {every.format(cells=filled, p='numbers')} and "
        f"len(list_filter({filled}, lambda x: regexp_matches(x, $labels))) > 0 "
        "then 'column_numbers' "
        f"when len(list_distinct({filled})) = 1 and regexp_matches({filled}[1], $section) "
        "then 'section' "
        f"else 'data' end where {hint}",
        {
            "total": TOTAL_CELL,
            "subtotal": SUBTOTAL_CELL,
            "footer": FOOTER_CELL,
            "filled": r"[^\s\p{Z}]",
            "hint": HINT,
            "space": r"[\s\p{Z}]+",
            "end": END_MARKER,
            "breakdown": BREAKDOWN,
            "numbers": COLUMN_NUMBER,
            "labels": COLUMN_LABEL,
            "section": SECTION,
        },
    )


LISTED_ROWS = 20


def classify_rows(con: duckdb.DuckDBPyConnection, target: str, match) -> None:
    """Mark a page's header printed again as 'repeated_header', so that nothing counts it as a
    bad row. It is told by its cells equal to the header's own text at every template column it
    fills, two at least, or by the file's title alone in the row; rows holding none of those
    texts are passed over at the cost of a substring test. Rows are counted first: a view over
    a national file's rows becomes a table only when one is marked."""
    tests = []
    for pos in sorted(set(match.positions.values())):
        found = sorted(
            {row[pos].strip() for row in match.header_texts if pos < len(row) and row[pos].strip()}
        )
        if found:
            literals = ["'" + t.replace("'", "''") + "'" for t in found]
            hints = " or ".join(f"contains(c{pos}, {literal})" for literal in literals)
            tests.append((f"trim(c{pos})", f"({', '.join(literals)})", hints))
    repeated = []
    if len(tests) >= 2:
        same = " + ".join(f"coalesce({cell} in {values}, false)::int" for cell, values, _ in tests)
        filled = " + ".join(f"(nullif({cell}, '') is not null)::int" for cell, _, _ in tests)
        hint = " or ".join(f"({hints})" for _, _, hints in tests)
        repeated.append(f"(({hint}) and ({same}) >= 2 and ({same}) = ({filled}))")
    if match.title:
        # The title printed again over a page's header: alone in its row, or merged across it.
        names = [f"c{i}" for i in range(match.width)]
        first = f"coalesce({', '.join(names)})"
        values = f"list_filter([{', '.join(f'trim({n})' for n in names)}], lambda x: x <> '')"
        repeated.append(f"(contains({first}, $title) and list_distinct({values}) = [$title])")
    if not repeated:
        return
    table = quote_identifier(target)
    where = f"where row_kind = 'data' and ({' or '.join(repeated)})"
    params = {"title": match.title} if match.title else {}
    [(found,)] = con.execute(f"select count(*) from {table} {where}", params).fetchall()
    if found:
        writable(con, target)
        con.execute(f"update {table} set row_kind = 'repeated_header' {where}", params)


def refuse_rows_after_the_end(con: duckdb.DuckDBPyConnection, target: str, width: int) -> None:
    """Refuse a file with data rows below its 以下空白: the mark says the table ends there, so
    rows below it are another table (上年同期, a draft kept below) or the mark is misplaced, and
    which of them counts only the clerk knows. A page's own mark (本页以下空白, 此页空白) ends a
    printed page, not the table."""
    table = quote_identifier(target)
    cells = ", ".join(f"c{i}" for i in range(width))
    [(end, first)] = con.execute(
        f"with marks as (select min(row_number) as end_row from {table} "
        f"where row_kind = 'end_marker' and not regexp_matches(concat({cells}), '本页|此页')) "
        f"select end_row, (select min(row_number) from {table} where row_kind = 'data' "
        f"and row_number > end_row) from marks"
    ).fetchall()
    if first is not None:
        raise FileRejected(
            f"Row {end} marks the end of the table (以下空白), but row {first} below it holds "
            "data. Delete the rows below the mark, or move the mark below the last row, and send "
            "the file again. Nothing from this file was loaded.",
            f"第{end}行为表格结束标记（以下空白等），但其下方第{first}行仍有数据。请删除标记"
            "下方的行，或把标记移到最后一行数据之后，再重新报送。本文件未导入任何数据。",
        )


def skipped_rows(con: duckdb.DuckDBPyConnection, target: str) -> list[tuple[str, str]]:
    """One warning per kind of row skipped as not data, naming its rows."""
    found = con.execute(
        f"select row_kind, list(row_number order by row_number) from {quote_identifier(target)} "
        f"where row_kind in ({', '.join(repr(k) for k in SKIPPED)}) group by row_kind"
    ).fetchall()
    warnings = []
    for kind, rows in sorted(found, key=lambda f: list(SKIPPED).index(f[0])):
        en, zh = SKIPPED[kind]
        shown = ", ".join(str(r) for r in rows[:LISTED_ROWS])
        shown_zh = "、".join(str(r) for r in rows[:LISTED_ROWS])
        more_en = f" and {len(rows) - LISTED_ROWS} more" if len(rows) > LISTED_ROWS else ""
        more_zh = f"等 {len(rows)} 行" if len(rows) > LISTED_ROWS else ""
        warnings.append(
            (
                f"Row(s) {shown}{more_en}: {en}, not data; skipped.",
                f"第 {shown_zh} 行{more_zh}为{zh}，不是数据，已跳过。",
            )
        )
    return warnings
