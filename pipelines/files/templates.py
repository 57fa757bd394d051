"""Department templates: one .xlsx per feed, so clerks fill in exactly what the pipeline reads.

Each template has the contract's Chinese headers (taken from `contracts/<feed>.yaml`, never
retyped), one example row that passes the feed's validation, drop-down lists where a column has
allowed values, a hint on every column, and a 填表说明 sheet: what each column means, its type,
unit and whether it is required, and when the file is due.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import xlsxwriter

from pipelines.files.contracts import FEEDS, Column, Contract, load_contract
from pipelines.settings import CATALOG_ROOT

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
# Example values by column where the type's own example would read oddly (a growth of 585.5%).
EXAMPLES = {
    "project_code": "ZS2024-001",
    "project_name": "哈尔滨新区示例产业园项目",
    "investor": "示例投资有限公司",
    "credit_code": "91230109MA1C2H8Q0D",  # a valid code: its check character is right
    "enterprise_name": "哈尔滨新区示例科技有限公司",
    "industry": "软件和信息技术服务业",
    "area": "太阳岛风景区",
    "school_project": "哈尔滨新区示例小学校",
    "metric_name": "地区生产总值",
    "unit": "亿元",
    "growth_pct": 6.3,
}
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
        return column.allowed[0]
    return EXAMPLES.get(column.name, EXAMPLE_BY_TYPE.get(column.type, ""))


def department_names(codes: tuple[str, ...]) -> list[str]:
    """The reporting departments' Chinese names, from the catalog."""
    with open(CATALOG_ROOT / "departments.csv", encoding="utf-8", newline="") as handle:
        names = {row["department_code"]: row["name_zh"] for row in csv.DictReader(handle)}
    return [names.get(code, code) for code in codes]


def column_hint(column: Column) -> str:
    """A column's rules in one line, shown when a clerk selects one of its cells."""
    parts = [TYPE_ZH[column.type]]
    if column.unit:
        parts.append(f"单位：{column.unit}")
    parts.append("必填" if column.required else "可空")
    if column.allowed:
        parts.append(f"可填：{'、'.join(column.allowed)}")
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
            hint |= {"validate": "list", "source": list(column.allowed)}
        else:
            hint |= {"validate": "any"}
        sheet.data_validation(1, col, VALIDATED_ROWS, col, hint)
    sheet.freeze_panes(1, 0)


def write_instructions_sheet(workbook: xlsxwriter.Workbook, contract: Contract) -> None:
    """填表说明: who reports, when it is due, and each column's meaning, type, unit and rules."""
    sheet = workbook.add_worksheet("填表说明")
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    cadence = CADENCE_ZH.get(contract.cadence, contract.cadence)
    sheet.write_string(0, 0, f"{contract.title_zh}填表说明", bold)
    about = [
        ("报送单位", "、".join(department_names(contract.departments))),
        ("报送周期", f"{cadence}报送；每月{contract.due_day}日前报送上月数据"),
        ("数据粒度", contract.grain),
        ("填写方法", "在第一张工作表第2行起逐行填写（第2行为示例，可覆盖）；表头请勿修改。"),
    ]
    for row, (label, text) in enumerate(about, start=2):
        sheet.write_string(row, 0, label, bold)
        sheet.write_string(row, 1, text, wrap)
    table = [
        "中文表头",
        "字段名",
        "类型",
        "单位",
        "是否必填",
        "可填写的值",
        "可接受的表头别名",
        "说明",
    ]
    top = len(about) + 3
    sheet.write_row(top, 0, table, bold)
    for row, column in enumerate(contract.columns, start=top + 1):
        sheet.write_row(
            row,
            0,
            [
                column.header_zh,
                column.name,
                TYPE_ZH[column.type],
                column.unit or "",
                "是" if column.required else "否",
                "、".join(column.allowed),
                "、".join(column.synonyms),
                column.description,
            ],
            wrap,
        )
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 6, 20)
    sheet.set_column(7, 7, 60)


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
