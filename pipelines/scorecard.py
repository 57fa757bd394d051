"""The scorecard in the terminal: the 21 indicators, their status and pace, in colour."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipelines.warehouse import connect

COMPARATOR_SYMBOL = {">": ">", ">=": "≥", "about": "≈"}
STATUS_STYLE = {
    "met": "bold white on green",
    "ahead": "bold green",
    "on_pace": "cyan",
    "behind": "bold red",
    "no_data": "dim yellow",
}


def scorecard_rows(analysts_db: Path) -> list[dict]:
    """The published scorecard, read from the analysts' file without taking a write lock."""
    with connect(analysts_db, read_only=True) as con:
        cursor = con.execute(
            "select p.indicator_id, p.name_zh, p.name_en, p.unit, p.comparator, p.target_value, "
            "p.reference_indicator, p.reference_value, p.actual_value, p.as_of, "
            "p.expected_progress, p.pct_of_target, "
            "p.status, p.status_zh, p.projected_year_end, p.lead_department_zh "
            "from marts.indicator_progress p order by p.indicator_id"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def render(rows: list[dict], console: Console | None = None) -> None:
    """Print the scorecard table and a one-line count per status."""
    console = console or Console()
    table = Table(
        title="哈尔滨新区 2024 年工作目标进度 · Work plan 2024 scorecard", title_style="bold"
    )
    for header, justify in [
        ("ID", "left"),
        ("指标", "left"),
        ("目标", "right"),
        ("实际", "right"),
        ("截至", "left"),
        ("完成率", "right"),
        ("序时", "right"),
        ("状态", "left"),
        ("预计全年", "right"),
        ("牵头单位", "left"),
    ]:
        table.add_column(header, justify=justify, no_wrap=header in ("ID", "状态", "截至"))
    for row in rows:
        unit = "%" if row["unit"] == "%" else f" {row['unit']}"
        if row["comparator"] == "in_step":
            target = f"≈ {row['reference_indicator']} {_number(row['reference_value'], '%')}"
        else:
            target = f"{COMPARATOR_SYMBOL[row['comparator']]} {_number(row['target_value'], unit)}"
        style = STATUS_STYLE[row["status"]]
        table.add_row(
            row["indicator_id"],
            row["name_zh"],
            target,
            _number(row["actual_value"], unit),
            row["as_of"].strftime("%Y-%m") if row["as_of"] else "—",
            _share(row["pct_of_target"]),
            _share(row["expected_progress"]),
            f"[{style}]{row['status_zh']} {row['status']}[/{style}]",
            _number(row["projected_year_end"], unit),
            row["lead_department_zh"] or "",
        )
    console.print(table)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status_zh"]] = counts.get(row["status_zh"], 0) + 1
    console.print("  ".join(f"{k} {v}" for k, v in counts.items()))
