"""The scorecard for leaders: the 21 targets as an HTML page, a PNG picture and an Excel workbook.

Everything is read from the analysts' published DuckDB file, opened read-only, so rendering never
waits on the pipeline. One view of each indicator (`IndicatorView`) feeds the page and the
picture, so the two cannot disagree; the workbook carries the underlying numbers.

The HTML is one file that opens offline (inline CSS and SVG, no script, no web font) and forbids
any network load through its Content-Security-Policy, so it can be mailed or opened on an
air-gapped machine. Jinja2 (already installed with Dagster) renders it with autoescaping on, so
every value from the warehouse is HTML-escaped without relying on each call site to remember.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import jinja2
import matplotlib
import xlsxwriter
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle
from PIL import Image

from pipelines.files.contracts import FEEDS, load_contract
from pipelines.settings import TIMEZONE
from pipelines.store.warehouse import connect, table_kind

log = logging.getLogger(__name__)

# The plan's name on every report, with the plan year the report shows.
PLAN_NAME = "哈尔滨新区{year}年工作计划目标进度"
REPORT_FILES = {"html": "scorecard.html", "png": "scorecard.png", "xlsx": "scorecard.xlsx"}

# Always counted in the header; the statuses after them are counted where they occur: a rejected
# month owed again, and after the plan year a target not reached or a December still to come.
STATUSES = ("met", "ahead", "on_pace", "behind", "no_data")
OCCASIONAL_STATUSES = ("resubmit", "missed", "awaiting_final")
STATUS_ZH = {
    "met": "已完成",
    "ahead": "超进度",
    "on_pace": "达进度",
    "behind": "欠进度",
    "no_data": "数据缺报",
    "resubmit": "已退回待重报",
    "missed": "未完成",
    "awaiting_final": "待年终数据",
}
STATUS_COLOUR = {
    "met": "#1e8e3e",
    "ahead": "#00897b",
    "on_pace": "#1a73e8",
    "behind": "#d93025",
    "no_data": "#80868b",
    "resubmit": "#e37400",
    "missed": "#a50e0e",
    "awaiting_final": "#5f6368",
}
# Statuses that say the month owed has no figure: the card shows the last known one and its month.
MISSING_STATUSES = ("no_data", "resubmit")
COMPARATOR_SYMBOL = {">": ">", ">=": "≥", "about": "≈"}

# The progress track runs to 120% of the target so overshooting stays visible.
TRACK_SCALE = 1.2
MONTHS = 12

# Families tried in order for Chinese text in the PNG; DejaVu Sans (bundled with matplotlib)
# is the last resort so rendering never fails, it only shows boxes for missing glyphs.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
)

# OWASP CSV/formula injection: cells starting with these are read as formulas by spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------------------------------------
# Reading the analysts' file
# ---------------------------------------------------------------------------------------------

PROGRESS_SQL = """
select indicator_id, name_zh, name_en, unit, target_value, reference_indicator, reference_value,
       comparator, tolerance, actual_value, as_of, expected_progress, pct_of_target, status,
       status_zh, status_month, last_status_zh, projected_year_end, gap_pp, lead_department,
       lead_department_zh, feed
from marts.indicator_progress
where plan_year = $plan_year
order by indicator_id
"""

MONTHLY_SQL = """
select indicator_id, month, name_zh, unit, target_value, reference_value, comparator,
       actual_value, expected_progress, pct_of_target, status, status_zh
from marts.indicator_progress_monthly
where plan_year = $plan_year
order by indicator_id, month
"""

# The plan year a scorecard shows unless asked for another: the current one (the latest plan
# year begun by the judging date), else the latest on record.
CURRENT_YEAR_SQL = """
select coalesce(max(plan_year) filter (where is_current_plan_year), max(plan_year))
from marts.indicator_progress
"""

FEED_STATUS_SQL = """
select feed, department, department_zh, last_period, next_due, days_overdue
from marts.feed_status
where is_overdue
order by days_overdue desc, feed, department
"""


@dataclass(frozen=True)
class Scorecard:
    """What the reports show, read once from the analysts' file."""

    progress: list[dict]
    monthly: list[dict]
    # None when marts.feed_status is not published (yet); [] when no feed is overdue.
    overdue_feeds: list[dict] | None
    generated_at: datetime
    # The plan year shown; None when no plan has arrived yet.
    plan_year: int | None = None

    @property
    def plan_name(self) -> str:
        """The plan's name with its year: 哈尔滨新区2025年工作计划目标进度."""
        return PLAN_NAME.format(year=self.plan_year or "")

    @property
    def as_of(self) -> date | None:
        """The latest month any indicator has data for: the report's headline date."""
        return max((r["as_of"] for r in self.progress if r["as_of"]), default=None)

    def status_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.progress:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        order = STATUSES + OCCASIONAL_STATUSES
        return dict(sorted(counts.items(), key=lambda item: order.index(item[0])))

    def departments(self) -> list[tuple[str, list[IndicatorView]]]:
        """Indicators grouped by lead department, departments in order of their first target."""
        history: dict[str, list[dict]] = {}
        for row in self.monthly:
            history.setdefault(row["indicator_id"], []).append(row)
        groups: dict[str, list[IndicatorView]] = {}
        for row in self.progress:
            view = indicator_view(row, history.get(row["indicator_id"], []))
            groups.setdefault(row["lead_department_zh"] or "未指定部门", []).append(view)
        return list(groups.items())


class UnknownPlanYear(ValueError):
    """A scorecard asked for a plan year no plan was received for."""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load_scorecard(
    con: duckdb.DuckDBPyConnection, generated_at: datetime | None = None, year: int | None = None
) -> Scorecard:
    """Read the scorecard of plan year `year` (default: the current plan year) from an open
    (read-only) connection to the analysts' file. A finished year shows its final statuses."""
    if year is None:
        (year,) = con.execute(CURRENT_YEAR_SQL).fetchone()
    else:
        years = [
            y
            for (y,) in con.execute(
                "select distinct plan_year from marts.indicator_progress order by 1"
            ).fetchall()
        ]
        if year not in years:
            raise UnknownPlanYear(
                f"No plan for {year} has been received; plan years on record: "
                f"{', '.join(map(str, years)) or 'none'}. 未收到{year}年的工作计划。"
            )
    feeds = _rows(con, FEED_STATUS_SQL) if table_kind(con, "marts", "feed_status") else None
    return Scorecard(
        progress=_rows(con, PROGRESS_SQL, {"plan_year": year}),
        monthly=_rows(con, MONTHLY_SQL, {"plan_year": year}),
        overdue_feeds=feeds,
        generated_at=generated_at or datetime.now(ZoneInfo(TIMEZONE)),
        plan_year=year,
    )


# ---------------------------------------------------------------------------------------------
# One indicator as leaders see it
# ---------------------------------------------------------------------------------------------


def format_amount(value: float | None, unit: str) -> str:
    """A figure with its unit as leaders write it: 779.35亿元, 9,322户, 6.2%."""
    if value is None:
        return "—"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"


def format_share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def progress_text(row: dict) -> tuple[str, str]:
    """How far a target has got, as it is reported: the share of the target reached, or for a
    growth target its gap to the target in percentage points (差距 +4.29个百分点)."""
    if row.get("gap_pp") is not None:
        gap = f"{row['gap_pp']:+.2f}".rstrip("0").rstrip(".")
        return "差距", f"{gap}个百分点"
    return "完成目标", format_share(row["pct_of_target"])


def format_month(value: date | None) -> str:
    return "—" if value is None else f"{value.year}年{value.month}月"


def target_text(row: dict) -> str:
    """The target with its comparator: ≥ 1,000亿元, ≈ 6.5%（±0.5个百分点）, 与T19同步（6.3%）."""
    if row["comparator"] == "in_step":
        reference = row["reference_value"]
        suffix = "" if reference is None else f"（{format_amount(reference, row['unit'])}）"
        return f"与{row['reference_indicator']}同步{suffix}"
    text = (
        f"{COMPARATOR_SYMBOL[row['comparator']]} {format_amount(row['target_value'], row['unit'])}"
    )
    if row["comparator"] == "about" and row["tolerance"]:
        text += f"（±{row['tolerance']:g}个百分点）"
    return text


def _on_track(share: float) -> float:
    """A share of the target as a position on the progress track (0 = start, 1 = end)."""
    return min(max(share, 0.0), TRACK_SCALE) / TRACK_SCALE


def _benchmark(row: dict) -> float | None:
    """What the month's actual is measured against: the 序时 path, the target, or T19."""
    if row["comparator"] == "in_step":
        return row["reference_value"]
    if row["expected_progress"] is not None and row["target_value"] is not None:
        return row["target_value"] * row["expected_progress"]
    return row["target_value"]


@dataclass(frozen=True)
class IndicatorView:
    """One indicator ready to draw: texts with units, and positions on the progress track."""

    indicator_id: str
    name_zh: str
    name_en: str
    status: str
    status_zh: str
    colour: str
    actual: str
    target: str
    share_label: str
    share: str
    pace: str | None
    projected: str
    as_of: str
    fill: float
    target_at: float
    pace_at: float | None
    band: tuple[float, float] | None
    actuals: tuple[float | None, ...]
    benchmarks: tuple[float | None, ...]


def indicator_view(row: dict, months: list[dict]) -> IndicatorView:
    """The view of one indicator from its scorecard row and its months of the plan year."""
    expected = row["expected_progress"]
    base = row["reference_value"] if row["comparator"] == "in_step" else row["target_value"]
    band = None
    if row["tolerance"] and base:
        band = (_on_track(1 - row["tolerance"] / base), _on_track(1 + row["tolerance"] / base))
    by_month = {m["month"].month: m for m in months}
    return IndicatorView(
        indicator_id=row["indicator_id"],
        name_zh=row["name_zh"],
        name_en=row["name_en"] or "",
        status=row["status"],
        status_zh=row["status_zh"] or STATUS_ZH[row["status"]],
        colour=STATUS_COLOUR[row["status"]],
        actual=format_amount(row["actual_value"], row["unit"]),
        target=target_text(row),
        share_label=progress_text(row)[0],
        share=progress_text(row)[1],
        pace=None if expected is None else format_share(expected),
        projected=format_amount(row["projected_year_end"], row["unit"]),
        as_of=as_of_text(row),
        fill=_on_track(row["pct_of_target"] or 0.0),
        target_at=_on_track(1.0),
        pace_at=None if expected is None else _on_track(expected),
        band=band,
        actuals=tuple(
            by_month[m]["actual_value"] if m in by_month else None for m in range(1, MONTHS + 1)
        ),
        benchmarks=tuple(
            _benchmark(by_month[m]) if m in by_month else None for m in range(1, MONTHS + 1)
        ),
    )


def as_of_text(row: dict) -> str:
    """Which month the figure shown is for; where the month owed has none, that month too, so an
    older figure never passes for the current one."""
    shown = "尚无数据" if row["as_of"] is None else f"截至{format_month(row['as_of'])}"
    if row["status"] in MISSING_STATUSES and row["status_month"]:
        last = f"（{row['last_status_zh']}）" if row["as_of"] else ""
        return f"{format_month(row['status_month'])}未报；最近数据{shown}{last}"
    return shown


@dataclass(frozen=True)
class Sparkline:
    """A month-by-month trend fitted into a box (y grows downwards, as in SVG)."""

    actual: list[tuple[float, float]]
    benchmark: list[tuple[float, float]]


def sparkline(view: IndicatorView, box: tuple[float, float, float, float]) -> Sparkline:
    """Fit the actuals and their benchmark into `box` = (left, top, width, height).

    Months without data are skipped rather than drawn as zero: quarterly figures (T16, T19)
    still read as a line, and the dots show which months were reported.
    """
    left, top, width, height = box
    values = [v for v in (*view.actuals, *view.benchmarks) if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    span = (high - low) or abs(high) or 1.0

    def points(series: tuple[float | None, ...]) -> list[tuple[float, float]]:
        return [
            (left + width * i / (MONTHS - 1), top + height * (1 - (v - low) / span))
            for i, v in enumerate(series)
            if v is not None
        ]

    return Sparkline(actual=points(view.actuals), benchmark=points(view.benchmarks))


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

# The page's markup and style, beside this module.
HTML_TEMPLATE = Path(__file__).with_name("scorecard.html.j2")


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(HTML_TEMPLATE.read_text(encoding="utf-8"))


def _feed_title(feed: str) -> str:
    """A feed's Chinese title from its contract; unknown feeds show their code."""
    return load_contract(feed).title_zh if feed in FEEDS else feed


def _overdue_rows(card: Scorecard) -> list[dict] | None:
    if card.overdue_feeds is None:
        return None
    return [
        {
            "title": _feed_title(f["feed"]),
            "department": f["department_zh"] or f["department"],
            "last_period": format_month(f["last_period"]),
            "next_due": f["next_due"] or "—",
            "days_overdue": f["days_overdue"],
        }
        for f in card.overdue_feeds
    ]


def render_html(card: Scorecard) -> str:
    """The self-contained HTML page; every value is escaped by Jinja2's autoescape."""
    return _template().render(
        plan_name=card.plan_name,
        as_of=format_month(card.as_of),
        generated=card.generated_at.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M"),
        total=len(card.progress),
        counts=card.status_counts(),
        colours=STATUS_COLOUR,
        status_zh=STATUS_ZH,
        departments=card.departments(),
        overdue_feeds=_overdue_rows(card),
        pct=lambda share: f"{share * 100:.1f}%",
        spark=lambda view: sparkline(view, (4, 4, 182, 38)),
        points=lambda pts: " ".join(f"{x:.1f},{y:.1f}" for x, y in pts),
    )


# ---------------------------------------------------------------------------------------------
# PNG
# ---------------------------------------------------------------------------------------------


@cache
def cjk_fonts() -> list[str]:
    """Font families for Chinese text: installed CJK families first, DejaVu Sans last.

    matplotlib caches its font list on first use, so fonts installed after that (apt-get install
    fonts-noto-cjk on a machine that already ran matplotlib) are added from the system folders.
    """

    def installed() -> list[str]:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return [family for family in CJK_FAMILIES if family in names]

    found = installed()
    if not found:
        for path in font_manager.findSystemFonts():
            if any(key in Path(path).name.lower() for key in ("cjk", "wqy", "sourcehan")):
                font_manager.fontManager.addfont(path)
        found = installed()
    if not found:
        log.warning("No CJK font found (install fonts-noto-cjk); Chinese text will show as boxes")
    return [*found, "DejaVu Sans"]


# Figure geometry in inches, y growing downwards; columns are (left, width).
FIGURE_WIDTH = 14.0
ROW_HEIGHT = 0.62
DEPARTMENT_HEIGHT = 0.45
HEADER_HEIGHT = 1.5
STATUS_COLUMN = (0.25, 0.9)
NAME_X = 1.3
FIGURES_X = 4.9
BAR_COLUMN = (6.9, 4.3)
SPARK_COLUMN = (11.6, 2.1)
INK, MUTED, NAVY, PAPER = "#202124", "#5f6368", "#16324f", "#f4f6f9"


def _text(ax: Axes, x: float, y: float, text: str, size: float, colour: str = INK, **style):
    """A line of text vertically centred on y; bold unless it is small print."""
    weight = "bold" if size >= 10 else "normal"
    ax.text(x, y, text, fontsize=size, color=colour, fontweight=weight, va="center", **style)


def _pill(ax: Axes, left: float, top: float, size: tuple[float, float], colour: str, *lines):
    """A rounded coloured box with white centred lines: (text, font size, offset from middle)."""
    width, height = size
    box = FancyBboxPatch((left, top), width, height, boxstyle="round,pad=0,rounding_size=0.07")
    box.set_color(colour)
    ax.add_patch(box)
    for text, fontsize, offset in lines:
        _text(ax, left + width / 2, top + height / 2 + offset, text, fontsize, "white", ha="center")


def _draw_header(ax: Axes, card: Scorecard) -> None:
    ax.add_patch(Rectangle((0, 0), FIGURE_WIDTH, HEADER_HEIGHT - 0.2, color=NAVY))
    _text(ax, 0.3, 0.55, card.plan_name, 20, "white")
    generated = card.generated_at.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M")
    stamp = f"数据截至 {format_month(card.as_of)} · 生成于 {generated}（北京时间）"
    _text(ax, 0.3, 0.98, stamp, 11, "#c9d6e3")
    for n, (status, count) in enumerate(card.status_counts().items()):
        left = FIGURE_WIDTH - 0.3 - (len(card.status_counts()) - n) * 1.05
        lines = [(str(count), 20, -0.12), (STATUS_ZH[status], 10, 0.24)]
        _pill(ax, left, 0.25, (0.95, 0.85), STATUS_COLOUR[status], *lines)


def _draw_indicator(ax: Axes, view: IndicatorView, top: float) -> None:
    middle = top + ROW_HEIGHT / 2
    ax.add_patch(
        Rectangle((0.15, top + 0.03), FIGURE_WIDTH - 0.3, ROW_HEIGHT - 0.06, color="white")
    )
    left, width = STATUS_COLUMN
    _pill(ax, left, top + 0.1, (width, ROW_HEIGHT - 0.2), view.colour, (view.status_zh, 12, 0))
    _text(ax, NAME_X, middle - 0.08, f"{view.indicator_id}  {view.name_zh}", 12)
    _text(ax, NAME_X, middle + 0.16, view.name_en, 8, MUTED)
    _text(ax, FIGURES_X, middle - 0.08, view.actual, 13)
    _text(ax, FIGURES_X, middle + 0.16, f"目标 {view.target}", 8, MUTED)
    _draw_bar(ax, view, middle - 0.09)
    spark = sparkline(view, (SPARK_COLUMN[0], top + 0.1, SPARK_COLUMN[1], ROW_HEIGHT - 0.2))
    if spark.benchmark:
        ax.plot(*zip(*spark.benchmark, strict=True), color="#9aa0a6", lw=1, ls="--")
    if spark.actual:
        ax.plot(*zip(*spark.actual, strict=True), color=view.colour, lw=2, marker="o", ms=2.5)


def _draw_bar(ax: Axes, view: IndicatorView, top: float) -> None:
    """The progress track: fill, tolerance band, target line and the 序时进度 marker."""
    left, width = BAR_COLUMN
    height = 0.14
    ax.add_patch(Rectangle((left, top), width, height, color="#eceff3"))
    if view.band:
        low, high = view.band
        band = (left + width * low, top - 0.04), width * (high - low), height + 0.08
        ax.add_patch(Rectangle(*band, color=INK, alpha=0.12))
    ax.add_patch(Rectangle((left, top), width * view.fill, height, color=view.colour))
    target_x = left + width * view.target_at
    ax.plot([target_x] * 2, [top - 0.06, top + height + 0.06], color=INK, lw=1.5)
    if view.pace_at is not None:
        x = left + width * view.pace_at
        ax.plot([x, x], [top - 0.08, top + height + 0.08], color="#e37400", lw=2, ls=(0, (2, 1)))
    pace = f" · 序时进度 {view.pace}" if view.pace else ""
    line = f"{view.share_label} {view.share}{pace} · {view.as_of}"
    _text(ax, left, top + height + 0.17, line, 8.5, MUTED)


def render_png(card: Scorecard, path: Path) -> None:
    """The same picture as the HTML page, drawn with matplotlib (Agg) into a PNG file."""
    departments = card.departments()
    feed_lines = _overdue_lines(card)
    height = (
        HEADER_HEIGHT
        + sum(DEPARTMENT_HEIGHT + ROW_HEIGHT * len(views) for _, views in departments)
        + DEPARTMENT_HEIGHT * (2 + len(feed_lines))
    )
    # A bare Figure on the Agg canvas: no pyplot, no global figure registry, nothing to close.
    with matplotlib.rc_context({"font.family": cjk_fonts(), "axes.unicode_minus": False}):
        figure = Figure(figsize=(FIGURE_WIDTH, height), dpi=110, facecolor=PAPER)
        FigureCanvasAgg(figure)
        ax = figure.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, FIGURE_WIDTH)
        ax.set_ylim(height, 0)
        ax.axis("off")
        _draw_header(ax, card)
        top = HEADER_HEIGHT
        for department, views in departments:
            _text(ax, 0.25, top + DEPARTMENT_HEIGHT * 0.55, department, 13, NAVY)
            top += DEPARTMENT_HEIGHT
            for view in views:
                _draw_indicator(ax, view, top)
                top += ROW_HEIGHT
        _text(ax, 0.25, top + DEPARTMENT_HEIGHT * 0.8, "逾期未报送", 13, NAVY)
        colour = STATUS_COLOUR["behind"] if card.overdue_feeds else MUTED
        for n, line in enumerate(feed_lines, start=1):
            _text(ax, 0.35, top + DEPARTMENT_HEIGHT * (n + 0.6), line, 10.5, colour)
        rendered = io.BytesIO()
        figure.savefig(rendered, format="png", facecolor=PAPER)
    # Flat colours fit a 256-colour palette: a quarter of the size, so the Dagster UI (which keeps
    # the picture in every materialization's metadata) stays light. Median cut keeps the pace
    # marker's orange and the white cards apart, where other methods merge them.
    with Image.open(rendered) as image:
        palette = image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
        palette.save(path, format="PNG", optimize=True)


def _overdue_lines(card: Scorecard) -> list[str]:
    rows = _overdue_rows(card)
    if rows is None:
        return ["暂无报送状态数据（no feed-status data）"]
    if not rows:
        return ["各部门报表均已按时报送。"]
    return [
        f"{r['title']} · {r['department']} · 应报 {r['next_due']} · 逾期 {r['days_overdue']} 天"
        for r in rows
    ]


# ---------------------------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------------------------

# (header, key, kind); kinds: text, number, share, month.
SCORECARD_COLUMNS = [
    ("指标编号", "indicator_id", "text"),
    ("指标名称", "name_zh", "text"),
    ("英文名称", "name_en", "text"),
    ("牵头部门", "lead_department_zh", "text"),
    ("目标", "target", "text"),
    ("单位", "unit", "text"),
    ("实际完成", "actual_value", "number"),
    ("数据截至", "as_of", "month"),
    ("完成目标比例", "pct_of_target", "share"),
    ("差距（个百分点）", "gap_pp", "number"),
    ("序时进度", "expected_progress", "share"),
    ("状态", "status_zh", "text"),
    ("预计全年", "projected_year_end", "number"),
]
MONTHLY_COLUMNS = [
    ("指标编号", "indicator_id", "text"),
    ("指标名称", "name_zh", "text"),
    ("月份", "month", "month"),
    ("实际值", "actual_value", "number"),
    ("单位", "unit", "text"),
    ("序时进度", "expected_progress", "share"),
    ("完成目标比例", "pct_of_target", "share"),
    ("状态", "status_zh", "text"),
]


def neutralise(text: str) -> str:
    """Text a spreadsheet will never run as a formula (OWASP "CSV injection").

    The cell is written with write_string, so Excel stores it as text; the leading apostrophe
    also keeps it inert when a leader copies it out, saves the sheet as CSV or opens it in a
    tool that re-parses cell text.
    """
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def write_xlsx(card: Scorecard, path: Path) -> None:
    """The scorecard and the monthly history as an Excel workbook with Chinese headers."""
    # strings_to_* off: nothing in a cell is ever turned into a formula, URL or number.
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(path, options) as book:
        formats = {
            "header": book.add_format(
                {
                    "bold": True,
                    "bg_color": "#16324f",
                    "font_color": "white",
                    "border": 1,
                    "text_wrap": True,
                }
            ),
            "share": book.add_format({"num_format": "0.0%"}),
            "month": book.add_format({"num_format": "yyyy年m月"}),
            **{
                s: book.add_format({"bold": True, "font_color": "white", "bg_color": c})
                for s, c in STATUS_COLOUR.items()
            },
        }
        scorecard = [{**row, "target": target_text(row)} for row in card.progress]
        _write_sheet(book, "指标进度", SCORECARD_COLUMNS, scorecard, formats)
        _write_sheet(book, "月度历史", MONTHLY_COLUMNS, card.monthly, formats)


def _write_sheet(
    book: xlsxwriter.Workbook, name: str, columns: list, rows: list[dict], formats: dict
) -> None:
    sheet = book.add_worksheet(name)
    for c, (header, key, kind) in enumerate(columns):
        sheet.write_string(0, c, header, formats["header"])
        width = 30 if key in ("name_zh", "name_en", "target") else 12
        sheet.set_column(c, c, width, formats.get(kind))
    for r, row in enumerate(rows, start=1):
        for c, (_, key, kind) in enumerate(columns):
            value = row[key]
            if value is None:
                sheet.write_blank(r, c, None)
            elif kind == "text":
                style = formats[row["status"]] if key == "status_zh" else None
                sheet.write_string(r, c, neutralise(str(value)), style)
            elif kind == "month":
                sheet.write_datetime(r, c, datetime(value.year, value.month, 1), formats[kind])
            else:
                # Figures rounded to 2 places in Excel's General format: "#,##0.##" would show
                # whole numbers as "97." in Excel.
                figure = round(value, 2) if kind == "number" else value
                sheet.write_number(r, c, figure, formats.get(kind))
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, len(rows), len(columns) - 1)


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def report_paths(out_dir: Path) -> dict[str, Path]:
    """Where the three reports live in `out_dir`, keyed html, png and xlsx."""
    return {kind: out_dir / name for kind, name in REPORT_FILES.items()}


def _replace(path: Path, write: Callable[[Path], None]) -> None:
    """Write next to `path`, then swap it in, so a leader never opens a half-written report."""
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(staging)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def write_card(card: Scorecard, out_dir: Path) -> dict[str, Path]:
    """Write the HTML page, the PNG and the workbook of `card` into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = report_paths(out_dir)
    _replace(paths["html"], lambda p: p.write_text(render_html(card), encoding="utf-8"))
    _replace(paths["png"], lambda p: render_png(card, p))
    _replace(paths["xlsx"], lambda p: write_xlsx(card, p))
    return paths


def write_reports(analysts_db: Path, out_dir: Path, year: int | None = None) -> dict[str, Path]:
    """Read the analysts' file read-only and write the three reports of plan year `year`
    (default: the current one); returns their paths."""
    with connect(analysts_db, read_only=True) as con:
        card = load_scorecard(con, year=year)
    return write_card(card, out_dir)
