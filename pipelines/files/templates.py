"""Department templates: one .xlsx per feed, so clerks fill in exactly what the pipeline reads.

Each template has the contract's Chinese headers (taken from `contracts/<feed>.yaml`, never
retyped), one example row that passes the feed's validation, drop-down lists where a column has
allowed values, a hint on every column, and a 填表说明 sheet: what each column means, its type,
unit and whether it is required, and when the file is due.

The example row is recognisable by its content wherever it ends up: its names say 示例
(`EXAMPLE_MARK`), which no real project, enterprise, scenic area, school or metric is called.
On receipt (`drop_example_rows`) a row that still holds every marked example value is dropped
with a warning, whatever its period or position, so a template sent back unfilled never stands
for a month; a row holding some of them and real values in others is refused, since which of
its cells are the department's cannot be told.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import xlsxwriter

from pipelines.files import bounds
from pipelines.files.contracts import FEEDS, Column, Contract, load_contract
from pipelines.files.rejection import FileRejected
from pipelines.files.senders import department_names
from pipelines.store import raw_files
from pipelines.store.conform import PARSED_SUFFIX, SQL_TYPES
from pipelines.store.warehouse import quote_identifier

# Rows below the header that carry the drop-down lists and hints.
VALIDATED_ROWS = 5000
TYPE_ZH = {
    "text": "文本",
    "integer": "整数",
    "decimal": "数值",
    "date": "日期（如 2024-03-05）",
    "month": "月份（如 2024-03）",
    "boolean": "是/否",
}
# Months and text stay text (Excel turns 2024-03 into a date and drops a code's leading zeros).
CELL_FORMATS = {"text": "@", "month": "@", "date": "yyyy-mm-dd"}
CADENCE_ZH = {"monthly": "每月", "quarterly": "每季度", "annual": "每年"}
# What makes an example value unmistakable: no real name holds it.
EXAMPLE_MARK = "示例"
# Example values by column where the type's own example would read oddly (a growth of 585.5%).
# Every feed has at least one named column whose example holds EXAMPLE_MARK.
EXAMPLES = {
    "project_code": "ZS2024-001",
    "project_name": "哈尔滨新区示例产业园项目",
    "investor": "示例投资有限公司",
    "credit_code": "91230109MA1C2H8Q0D",  # a valid code: its check character is right
    "enterprise_name": "哈尔滨新区示例科技有限公司",
    "industry": "软件和信息技术服务业",
    "area": "示例景区（请替换为景区名称）",
    "school_project": "哈尔滨新区示例小学校",
    "metric_name": "地区生产总值（示例）",
    "unit": "亿元",
    "growth_pct": 6.3,
    # The plan's example: a target of 超过 (its first comparator) needs no tolerance.
    "indicator_id": "T99",
    "name_zh": "示例指标（请替换为指标名称）",
    "tolerance": "",
}
# What earlier templates wrote where the example's name was not yet marked 示例: a file made
# from one of them still holds this example.
LEGACY_EXAMPLES = {"area": "太阳岛风景区", "metric_name": "地区生产总值", "metric_code": "gdp"}
EXAMPLE_BY_TYPE = {
    "month": "2024-03",
    "date": dt.date(2024, 3, 5),
    "integer": 120,
    "decimal": 585.5,
    "boolean": "是",
}


def example_value(column: Column) -> object:
    """What the example row shows in a column: an allowed value, a named example, or by type."""
    if column.allowed:
        return column.choices[0]
    return EXAMPLES.get(column.name, EXAMPLE_BY_TYPE.get(column.type, ""))


def column_hint(column: Column) -> str:
    """A column's rules in one line, shown when a clerk selects one of its cells."""
    parts = [TYPE_ZH[column.type]]
    if column.unit:
        parts.append(f"单位：{column.unit}")
    parts.append("必填" if column.required else "可空")
    if column.allowed:
        parts.append(f"可填：{'、'.join(column.choices)}")
    return "；".join(parts)


def write_data_sheet(workbook: xlsxwriter.Workbook, contract: Contract) -> None:
    """The sheet clerks fill in: headers, one example row, drop-down lists and hints."""
    sheet = workbook.add_worksheet(contract.title_zh[:31])
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
    )
    formats = {kind: workbook.add_format({"num_format": f}) for kind, f in CELL_FORMATS.items()}
    for col, column in enumerate(contract.columns):
        cell = formats.get(column.type)
        sheet.set_column(col, col, 18, cell)
        sheet.write_string(0, col, column.header_zh, header)
        value = example_value(column)
        if isinstance(value, dt.date):
            sheet.write_datetime(1, col, dt.datetime.combine(value, dt.time()), cell)
        elif isinstance(value, int | float):
            sheet.write_number(1, col, value)
        else:
            sheet.write_string(1, col, value, cell)
        hint = {"input_title": column.header_zh[:32], "input_message": column_hint(column)[:255]}
        if column.allowed:
            hint |= {"validate": "list", "source": list(column.choices)}
        else:
            hint |= {"validate": "any"}
        sheet.data_validation(1, col, VALIDATED_ROWS, col, hint)
    sheet.freeze_panes(1, 0)


# What 报告期 means for each kind of feed: the rule a clerk most needs.
PERIOD_MEANING = {
    "snapshot": "报告期为清单截至的月份：填截至该月末的完整清单（时点数），不是当月新增的部分。",
    "flow": "报告期为发生的月份：只填该月发生的数（当月数），不要填1月以来的累计数。",
    "cumulative": "报告期为累计截至的月份：填1月至该月的累计数（1-N月累计），不要只填当月数。",
    "plan": "生效月份为本表目标开始执行的月份，其年份即计划年度：年初印发的计划填当年1月（如"
    " 2025-01）；年中调整目标时另报一份文件，生效月份填调整起始月份，原目标保留备查。"
    "同一指标编号在各年度表示同一指标。",
}


def reporting_rule(contract: Contract, department: str, name: str) -> str:
    """One department's cadence and due day, as the clerk of that department follows it."""
    if contract.cadence_of(department) == "on_revision":
        return f"{name}：每年印发工作计划后报送当年目标，目标调整时报送调整后的目标"
    if contract.cadence_of(department) == "annual":
        return f"{name}：每年报送一次，于次年1月{contract.due_day}日前报送当年12月（全年）数据"
    return f"{name}：每月报送，于每月{contract.due_day}日前报送上月数据"


def write_instructions_sheet(workbook: xlsxwriter.Workbook, contract: Contract) -> None:
    """填表说明, all in Chinese: who reports and when (each department's own cadence), what a
    row and 报告期 mean for this kind of feed, units, and each column's type, unit and rules."""
    sheet = workbook.add_worksheet("填表说明")
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.write_string(0, 0, f"{contract.title_zh}填表说明", bold)
    catalog = department_names()
    names = {code: catalog.get(code, code) for code in contract.departments}
    # 报告期 for the departments' feeds, 生效月份 for a plan: the contract's own header.
    period = next(c for c in contract.columns if c.name == "period")
    about = [
        ("报送单位", "、".join(names.values())),
        ("报送时间", "；".join(reporting_rule(contract, d, n) for d, n in names.items())),
        ("每行填什么", contract.grain_zh),
        (period.header_zh, PERIOD_MEANING[contract.kind]),
        (
            "单位",
            "数值按“单位”列所示的单位填写；表头或“单位：”行中注明其他单位（如“（亿元）”"
            "“单位：元”）时按该单位换算，无法换算的单位（如万美元）文件将被退回。百分比填数字"
            "（6.3 表示 6.3%）。",
        ),
        (
            "填写方法",
            "在第一张工作表第2行起逐行填写（第2行为示例，请覆盖或删除：含“示例”的行不会"
            "导入）；表头请勿修改；不要隐藏工作表，一个文件只填一个报告期的一张表。",
        ),
    ]
    if contract.sends_column:
        # Who reports which kind of row: a row of another department's kind refuses the file.
        column = next(c for c in contract.columns if c.name == contract.sends_column)
        labels = dict(column.labels)
        split = "；".join(
            f"{names[d]}：{'、'.join(labels.get(k, k) for k in kinds)}"
            for d, kinds in contract.sends
        )
        about.append(
            ("报送分工", f"按“{column.header_zh}”分工报送，各单位只填本单位的类型（{split}）")
        )
    for row, (label, text) in enumerate(about, start=2):
        sheet.write_string(row, 0, label, bold)
        # Across the table's columns, tall enough for the text (Excel does not size merged rows).
        sheet.merge_range(row, 1, row, 6, text, wrap)
        sheet.set_row(row, 16 * (1 + len(text) // 60))
    table = ["中文表头", "类型", "单位", "是否必填", "可填写的值", "可接受的表头别名", "说明"]
    top = len(about) + 3
    sheet.write_row(top, 0, table, bold)
    for row, column in enumerate(contract.columns, start=top + 1):
        sheet.write_row(
            row,
            0,
            [
                column.header_zh,
                TYPE_ZH[column.type],
                column.unit or "",
                "是" if column.required else "否",
                "、".join(column.choices),
                "、".join(column.synonyms),
                column.description_zh,
            ],
            wrap,
        )
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 5, 20)
    sheet.set_column(6, 6, 60)


def write_template(contract: Contract, folder: Path) -> Path:
    """Write one feed's template as `<folder>/<feed>_<title>.xlsx`."""
    path = folder / f"{contract.feed}_{contract.title_zh}模板.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    write_data_sheet(workbook, contract)
    write_instructions_sheet(workbook, contract)
    workbook.close()
    return path


def write_templates(folder: Path) -> dict[str, Path]:
    """Write every feed's template into `folder`; return the path written for each feed."""
    folder.mkdir(parents=True, exist_ok=True)
    return {feed: write_template(load_contract(feed), folder) for feed in FEEDS}


def example_marks(contract: Contract) -> dict[str, str]:
    """The columns whose example value is marked 示例, with that value: what recognises the
    example row."""
    marks = {}
    for column in contract.columns:
        value = example_value(column)
        if isinstance(value, str) and EXAMPLE_MARK in value:
            marks[column.name] = value
    return marks


def example_rows(contract: Contract) -> list[dict[str, object]]:
    """The example row's values by column, as this template writes them and as earlier
    templates did (`LEGACY_EXAMPLES`), without the period a clerk may have typed over."""
    current = {
        c.name: example_value(c)
        for c in contract.columns
        if c.type != "month" and example_value(c) != ""
    }
    legacy = current | {name: v for name, v in LEGACY_EXAMPLES.items() if name in current}
    return [current] if legacy == current else [current, legacy]


def drop_example_rows(
    con: duckdb.DuckDBPyConnection, contract: Contract, submission_id: str, positions: dict
) -> list[tuple[str, str]]:
    """Leave out of the arriving rows those that are the template's example; return a warning
    naming them (English, Chinese), or nothing when there are none.

    A row is the example when every marked column the file has (`example_marks`) still holds
    the example's value, whatever its period, figures or position; or when every column of
    the example but its period holds the example's value (an earlier template's example, whose
    names were not marked). A row holding some marked values beside other names is refused: it
    is the example half overwritten, and which of its cells are the department's cannot be told.
    """
    marks = {name: value for name, value in example_marks(contract).items() if name in positions}
    table = raw_files.ARRIVING
    types = {c.name: c.type for c in contract.columns}
    names = list(marks)
    # The arriving text is trimmed already (`reading.canonical_select`): compared as it is, a
    # national file's 25M cells are not trimmed again (some 4 s).
    same = [f"coalesce({quote_identifier(name)} = ?, false)" for name in names]
    contents, values = [], []
    for example in example_rows(contract):
        present = {name: value for name, value in example.items() if name in positions}
        if len(present) < 2:
            continue
        parts = []
        for name, value in present.items():
            if types[name] == "text":
                parts.append(f"coalesce({quote_identifier(name)} = ?, false)")
                values.append(str(value))
            else:
                parsed = quote_identifier(name + PARSED_SUFFIX)
                parts.append(f"coalesce({parsed} = try_cast(? as {SQL_TYPES[types[name]]}), false)")
                values.append(str(value))
        contents.append(f"({' and '.join(parts)})")
    whole_content = " or ".join(contents) or "false"
    flags = f"[{', '.join(same)}]" if same else "[]::boolean[]"
    found = con.execute(
        f"select row_number, {flags}, {whole_content} from {table} "
        f"where {' or '.join([*same, whole_content])} order by row_number",
        [*marks.values(), *values, *marks.values(), *values],
    ).fetchall()
    whole = [row for row, marked, content in found if content or (marked and all(marked))]
    for row, marked, content in found:
        if not content and not all(marked):
            raise half_example(contract, positions, row, names, marked)
    if not whole:
        return []
    # The column that names the row: a marked one, else the first text column of the example.
    shown = next(
        c
        for c in sorted(contract.columns, key=lambda c: c.name not in marks)
        if c.type == "text" and c.name in positions
    )
    (text,) = con.execute(
        f"select trim({quote_identifier(shown.name)}) from {table} where row_number = ?",
        [whole[0]],
    ).fetchone()
    raw_files.drop_rows(con, contract, submission_id, whole)
    rows = ", ".join(map(str, whole))
    rows_zh = "、".join(map(str, whole))
    return [
        (
            f"Row(s) {rows} still hold the template's example ({shown.header_zh}: {text}) "
            "and were not loaded.",
            f"第{rows_zh}行仍是模板的示例行（{shown.header_zh}：{text}），未导入。",
        )
    ]


def half_example(
    contract: Contract, positions: dict, row: int, names: list[str], flags: list[bool]
) -> FileRejected:
    """A row that keeps part of the template's example: name the cells still holding it."""
    headers = {c.name: c.header_zh for c in contract.columns}
    kept = [
        (bounds.column_letters(positions[name] + 1), headers[name])
        for name, flag in zip(names, flags, strict=True)
        if flag
    ]
    changed = [headers[name] for name, flag in zip(names, flags, strict=True) if not flag]
    return FileRejected(
        f"Row {row} is the template's example row partly overwritten: "
        f"{', '.join(f'column {c} ({h})' for c, h in kept)} still hold(s) the example (示例) "
        f"while {', '.join(changed)} hold(s) other values, so which of its cells are the "
        "department's cannot be told. Overwrite every cell of the row with the department's "
        "figures, or delete the row, and send the file again. Nothing from this file was loaded.",
        f"第{row}行是部分改写的模板示例行：{'、'.join(f'{c} 列（{h}）' for c, h in kept)}"
        f"仍为示例内容（含“示例”），而{'、'.join(changed)}已改为其他内容，无法判断哪些是本单位"
        "数据。请将该行全部改为本单位数据或删除该行后重新报送。本文件未导入任何数据。",
    )
