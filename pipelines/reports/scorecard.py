"""The scorecard in the terminal: a plan year's indicators, their status and pace, in colour.

It reads and formats exactly as the HTML and PNG reports do (pipelines.reports.report), so the three
pictures never disagree.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipelines.reports.report import (
    STATUS_ZH,
    Scorecard,
    format_amount,
    format_month,
    format_share,
    load_scorecard,
    progress_text,
    target_text,
)
from pipelines.store.warehouse import connect

STATUS_STYLE = {
    "met": "bold white on green",
    "ahead": "bold green",
    "on_pace": "cyan",
    "behind": "bold red",
    "no_data": "dim yellow",
    "resubmit": "bold yellow",
    "missed": "bold white on red",
    "awaiting_final": "dim",
}
COLUMNS = [
    "ID",
    "指标",
    "目标",
    "实际",
    "截至",
    "完成率/差距",
    "序时",
    "状态",
    "预计全年",
    "牵头单位",
]


def read_scorecard(analysts_db: Path, year: int | None = None) -> Scorecard:
    """The published scorecard of plan year `year` (default: the current one), read from the
    analysts' file without taking a write lock."""
    with connect(analysts_db, read_only=True) as con:
        return load_scorecard(con, year=year)


def render(card: Scorecard, console: Console | None = None) -> None:
    """Print the scorecard table and a one-line count per status."""
    console = console or Console()
    table = Table(title=f"{card.plan_name} · Work plan {card.plan_year or ''} scorecard")
    for header in COLUMNS:
        table.add_column(
            header,
            justify="left" if header in ("ID", "指标", "截至", "状态", "牵头单位") else "right",
            no_wrap=header in ("ID", "截至", "状态"),
        )
    for row in card.progress:
        style = STATUS_STYLE[row["status"]]
        table.add_row(
            row["indicator_id"],
            row["name_zh"],
            target_text(row),
            format_amount(row["actual_value"], row["unit"]),
            format_month(row["as_of"]),
            progress_text(row)[1],
            format_share(row["expected_progress"]),
            f"[{style}]{row['status_zh']} {row['status']}[/{style}]",
            format_amount(row["projected_year_end"], row["unit"]),
            row["lead_department_zh"] or "",
        )
    console.print(table)
    counts = card.status_counts()
    console.print(
        "  ".join(f"{STATUS_ZH[status]} {count}" for status, count in counts.items() if count)
    )
