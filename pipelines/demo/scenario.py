"""Demo department files: three years of seeded, deterministic submissions for every feed.

The pipeline is built for the files that the district's bureaus drop into a landing folder each
month. Until real files arrive (and for tests, demos and benchmarks afterwards) this module writes
them the way the clerks would: one file per feed, department and month, Chinese file names,
headers taken from the feed contracts, GBK from the statistics bureau, Excel from the education
bureau, and a modification time on the day the file was delivered. Some arrive as the clerk's own
report rather than the template: the market regulation bureau's first 2024 months as a workbook
with a title, a two-row merged header, a 合计 row and a signed footer, and the culture and tourism
bureau's GBK CSV with a title row, amounts in 元 with thousands separators and a 合计 row.

The supervision office's plans are files too: the seed's 2024 plan (catalog/targets.csv) and a
2025 plan of the demo's own making, with targets raised, one indicator dropped, one redefined and
one added. The numbers tell a story the scoring has to get right on the October data of either
plan year, when the time-elapsed pace is 10/12: some targets are ahead of pace, some behind, one
department's file missing in 2025, and the growth targets are read against the year before. The
whole story (2023-01 to 2025-12) is drawn first and only the months up to `through` are written,
so a shorter run writes a byte-identical subset of a longer one. All randomness comes from
`random.Random` instances seeded from `seed`, never the global generator; 2025 draws from
generators of its own, so the 2023 and 2024 files are the bytes they were before it was added.
"""

from __future__ import annotations

import calendar
import csv
import io
import os
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipelines.checks.credit_code import CHARSET, check_character
from pipelines.files.contracts import Column, Contract, load_contract
from pipelines.files.reading import additive
from pipelines.files.units import unit_factor
from pipelines.settings import CATALOG_ROOT, TIMEZONE

# The story's years. The first two were drawn together, from one generator per feed and
# department; each later year draws from generators of its own (`_rngs`), so a longer story never
# changes a byte, or a time, of an earlier file. 2025 is the demo's second plan year.
FIRST_YEARS = (2023, 2024)
YEARS = (*FIRST_YEARS, 2025)
Row = dict[str, object]


class Month(NamedTuple):
    """A reporting month; tuples order chronologically, so months compare with < and >."""

    year: int
    month: int

    @property
    def label(self) -> str:
        """The period as the contracts write it: YYYY-MM."""
        return f"{self.year}-{self.month:02d}"

    @property
    def zh(self) -> str:
        """The month as a clerk writes it in a file name: 2024年03月."""
        return f"{self.year}年{self.month:02d}月"

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def end(self) -> date:
        return date(self.year, self.month, self.days)


MONTHS = tuple(Month(year, month) for year in YEARS for month in range(1, 13))


@dataclass(frozen=True)
class Report:
    """A clerk's own report around the table: a title above it, a 合计 row and a signed footer
    below, and header groups (a parent over two-row headers, in workbooks) or header units
    (values converted to them, with thousands separators, in CSV)."""

    title: str
    footer: tuple[str, ...]
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    units: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Submission:
    """One department file: where it goes, what the clerk named it and the rows it holds."""

    feed: str
    department: str
    month: Month
    file_name: str
    rows: list[Row] = field(repr=False)
    encoding: str = "utf-8"
    report: Report | None = None
    # Months after its own the file arrives: figures the month after; a plan as it takes effect.
    arrives_after_months: int = 1


# ---------------------------------------------------------------------------------------------
# Writing files
# ---------------------------------------------------------------------------------------------


def write_demo_feeds(landing: Path, seed: int = 2024, through: str = "2024-10") -> list[Path]:
    """Write every department file from 2023-01 through `through`; return the written paths.

    Files land in `landing/<feed>/<department_code>/<file name>`, as departments drop them.
    The same seed gives byte-identical files (and identical modification times).
    """
    last = _parse_month(through)
    landing = Path(landing)
    written: list[Path] = []
    for build in _BUILDERS:
        for submission in build(seed):
            if submission.month > last:
                continue
            written.append(_write_submission(landing, submission, seed))
    return sorted(written)


def _parse_month(text: str) -> Month:
    """Read `through`; months outside the story's years cannot be written."""
    try:
        year, month = (int(part) for part in text.split("-"))
    except ValueError as exc:
        raise ValueError(f"through must be YYYY-MM, got {text!r}") from exc
    if Month(year, month) not in MONTHS:
        raise ValueError(f"through must lie in {MONTHS[0].label}..{MONTHS[-1].label}: {text!r}")
    return Month(year, month)


def _write_submission(landing: Path, submission: Submission, seed: int) -> Path:
    contract = load_contract(submission.feed)
    if submission.department not in contract.departments:
        raise ValueError(f"{submission.department} does not report {submission.feed}")
    columns = contract.column_names
    for row in submission.rows:
        unknown = row.keys() - set(columns)
        if unknown:
            raise ValueError(f"{submission.feed} has no column(s) {sorted(unknown)}")
    path = landing / submission.feed / submission.department / submission.file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    delivered = _delivery_time(seed, submission)
    headers = [column.header_zh for column in contract.columns]
    report = submission.report
    if path.suffix == ".xlsx" and report:
        _write_report_xlsx(path, contract, submission.rows, report, delivered)
    elif path.suffix == ".xlsx":
        _write_xlsx(path, headers, columns, submission.rows, delivered)
    elif report:
        _write_report_csv(path, contract, submission.rows, report, submission.encoding)
    else:
        _write_csv(path, headers, columns, submission.rows, submission.encoding)
    os.utime(path, (delivered.timestamp(), delivered.timestamp()))
    return path


def _delivery_time(seed: int, submission: Submission) -> datetime:
    """10:00 Beijing time on the 5th-9th of the following month, when such files usually arrive
    (of the file's own month for one that arrives as it takes effect).

    Drawn from its own generator per file, so the data never depends on which files are written.
    """
    feed, department, month_label = submission.feed, submission.department, submission.month.label
    day = _rng(seed, "delivery", feed, department, month_label).randint(5, 9)
    months = (
        submission.month.year * 12 + submission.month.month - 1 + submission.arrives_after_months
    )
    return datetime(months // 12, months % 12 + 1, day, 10, tzinfo=ZoneInfo(TIMEZONE))


def _cell_text(value: object) -> str:
    """A value as a clerk's export shows it: ISO dates, at most 2 decimals, no separators."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _write_csv(
    path: Path, headers: list[str], columns: list[str], rows: list[Row], encoding: str
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_cell_text(row.get(column)) for column in columns])
    # Encoding strictly (no replacement) proves a GBK file holds only GBK characters.
    path.write_bytes(buffer.getvalue().encode(encoding))


def _write_xlsx(
    path: Path, headers: list[str], columns: list[str], rows: list[Row], created: datetime
) -> None:
    """One sheet, header in row 1; dates are real Excel dates shown as yyyy-mm-dd."""
    # in_memory gives fixed zip timestamps; a fixed `created` keeps the bytes reproducible.
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    workbook.set_properties({"author": "教育局", "created": created.replace(tzinfo=None)})
    sheet = workbook.add_worksheet("新增学位")
    bold = workbook.add_format({"bold": True})
    iso_date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, headers, bold)
    sheet.set_column(0, len(headers) - 1, 16)
    for r, row in enumerate(rows, start=1):
        for c, column in enumerate(columns):
            _write_cell(sheet, r, c, row.get(column), iso_date)
    workbook.close()


def _write_cell(sheet: Worksheet, r: int, c: int, value: object, iso_date: Format) -> None:
    """A value as Excel holds it: a real date, a number or text; nothing for None."""
    if value is None:
        return
    if isinstance(value, date):
        sheet.write_datetime(r, c, value, iso_date)
    elif isinstance(value, int | float):
        sheet.write_number(r, c, value)
    else:
        sheet.write_string(r, c, str(value))


def _in_unit(value: object, column: Column, unit: str) -> Decimal:
    """A value converted exactly from the contract's unit to `unit` (万元 to 元: x 10000)."""
    return Decimal(_cell_text(value)) * unit_factor(column.unit, unit)


def _write_report_csv(
    path: Path, contract: Contract, rows: list[Row], report: Report, encoding: str
) -> None:
    """Title, a blank line, headers with units, rows in those units, 合计 and the footer."""
    units = dict(report.units)

    def shown(column: Column, value: object) -> str:
        if column.name not in units or value is None:
            return _cell_text(value)
        return f"{_in_unit(value, column, units[column.name]).normalize():,f}"

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([[report.title], []])
    writer.writerow(
        [
            f"{c.header_zh}（{units[c.name]}）" if c.name in units else c.header_zh
            for c in contract.columns
        ]
    )
    writer.writerows([[shown(c, row.get(c.name)) for c in contract.columns] for row in rows])
    totals = {
        c.name: sum(_in_unit(row[c.name], c, units[c.name]) for row in rows)
        for c in contract.columns
        if additive(c)
    }
    total = [
        f"{totals[c.name].normalize():,f}" if c.name in totals else "" for c in contract.columns
    ]
    writer.writerow(["合计", *total[1:]])  # the label stands in the first (报告期) column
    writer.writerow(report.footer)
    path.write_bytes(buffer.getvalue().encode(encoding))


def _write_report_xlsx(
    path: Path, contract: Contract, rows: list[Row], report: Report, created: datetime
) -> None:
    """A merged title, a 序号 column, a two-row header (groups merged over their columns, the
    rest merged down), 报告期 merged down the rows, a 合计 row and a merged, signed footer."""
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    workbook.set_properties({"author": "市场监督管理局", "created": created.replace(tzinfo=None)})
    sheet = workbook.add_worksheet("新登记企业")
    bold = workbook.add_format({"bold": True, "align": "center", "valign": "vcenter"})
    iso_date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    columns = contract.columns
    last = len(columns)  # the 序号 column comes first
    sheet.merge_range(0, 0, 0, last, report.title, bold)
    sheet.set_column(0, last, 16)
    grouped = {child for _, children in report.groups for child in children}
    for parent, children in report.groups:
        first = 1 + contract.column_names.index(children[0])
        sheet.merge_range(2, first, 2, first + len(children) - 1, parent, bold)
    for c, header in enumerate(["序号", *(column.header_zh for column in columns)]):
        if c and columns[c - 1].name in grouped:
            sheet.write_string(3, c, header, bold)
        else:
            sheet.merge_range(2, c, 3, c, header, bold)
    top = 4
    for r, row in enumerate(rows, start=top):
        sheet.write_number(r, 0, r - top + 1)
        for c, column in enumerate(columns[1:], start=2):
            _write_cell(sheet, r, c, row.get(column.name), iso_date)
    period = rows[0]["period"]
    if len(rows) > 1:
        sheet.merge_range(top, 1, top + len(rows) - 1, 1, period)
    else:
        sheet.write_string(top, 1, period)
    total = top + len(rows)
    sheet.write_string(total, 0, "合计", bold)
    sheet.write_string(total, 2, f"{len(rows)}户")
    sheet.merge_range(total + 2, 0, total + 2, last, "    ".join(report.footer))
    workbook.close()


# ---------------------------------------------------------------------------------------------
# Shared drawing helpers
# ---------------------------------------------------------------------------------------------


def _rng(seed: int, *parts: str) -> random.Random:
    """A generator per feed and department, so changing one feed's story leaves the others alone."""
    # Reproducible demo data, not secrets: a seeded PRNG is the point (hence noqa S311).
    return random.Random("/".join((str(seed), *parts)))  # noqa: S311


def _rngs(seed: int, *parts: str, first: random.Random | None = None) -> dict[int, random.Random]:
    """A series' generators by year: the first years share `_rng(seed, *parts)` as they always
    did (or `first`, where several series drew from one in turn), each later year has its own,
    so drawing it never moves an earlier year's draws."""
    first = first or _rng(seed, *parts)
    return {year: first if year in FIRST_YEARS else _rng(seed, *parts, str(year)) for year in YEARS}


def _spread(rng: random.Random, total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` events over months by weight, at least one per month."""
    counts = [1] * len(weights)
    for index in rng.choices(range(len(weights)), weights=weights, k=total - len(weights)):
        counts[index] += 1
    return counts


def _day_in(rng: random.Random, month: Month, working_days: bool = False) -> date:
    days = [date(month.year, month.month, d) for d in range(1, month.days + 1)]
    if working_days:
        days = [d for d in days if d.weekday() < 5]
    return rng.choice(days)


def _cumulative(rng: random.Random, annual: float, weights: Sequence[float]) -> list[float]:
    """Running totals Jan..Dec of an annual amount spread by seasonal weights (1-N月累计)."""
    shares = [w * rng.uniform(0.95, 1.05) for w in weights]
    scale = annual / sum(shares)
    running, totals = 0.0, []
    for share in shares:
        running += share * scale
        totals.append(running)
    return totals


_SYLLABLES = (
    "华泰瑞博恒达龙鑫源创智远航盛嘉禾丰信诚锦润卓越睿腾宇景安中和光明天海云峰晟益联汇通隆昌"
)


def _brand(rng: random.Random) -> str:
    """A two-character trade name (字号) such as 瑞博."""
    return "".join(rng.sample(_SYLLABLES, 2))


# ---------------------------------------------------------------------------------------------
# projects: the investment bureau's 招商引资 register
# ---------------------------------------------------------------------------------------------

# Signings peak at the Harbin fair in June and in the year-end push.
_SIGNING_WEIGHTS = (5, 4, 8, 9, 10, 14, 8, 8, 9, 9, 9, 12)
# Signings of a year after the first: by the end of October, and in November and December.
_SIGNED = {2024: (95, 18), 2025: (110, 20)}
# Contracted amount of the projects signed January-October (万元): 780 亿 in 2024.
_CONTRACTED_BY_OCTOBER = {2023: 6_300_000, 2024: 7_800_000, 2025: 8_200_000}
# Utilised capital of each month against the same month a year before.
_UTILISED_GROWTH = {2024: 1.22, 2025: 1.17}
_CITIES = ("北京", "上海", "深圳", "广州", "杭州", "苏州", "天津", "南京", "青岛", "大连", "哈尔滨")
_FOREIGN_INVESTORS = (
    "新加坡{}投资控股有限公司",
    "{}（香港）投资有限公司",
    "韩国{}株式会社",
    "日本{}株式会社",
    "德国{}有限公司",
    "俄罗斯{}有限责任公司",
)
# (word in the investor's name, what the project builds)
_THEMES = (
    ("新能源", "新能源汽车零部件生产基地"),
    ("生物", "生物医药产业园"),
    ("智能", "智能装备制造"),
    ("数据", "大数据中心"),
    ("食品", "绿色食品精深加工"),
    ("物流", "冷链物流园"),
    ("航空", "航空航天配套产业园"),
    ("文旅", "冰雪文旅综合体"),
    ("新材料", "石墨新材料"),
    ("电子", "电子信息产业园"),
    ("医疗", "医疗器械生产"),
    ("农业", "现代农业示范园"),
)


@dataclass
class _Signing:
    code: str
    name: str
    investor: str
    source: str
    signed_on: date
    amount: float
    utilised: list[float] = field(default_factory=lambda: [0.0] * 12)  # cumulative, by month


def _investment_projects(seed: int) -> list[Submission]:
    """Each month the bureau sends its register of projects signed since 1 January (it restarts).

    2023: about 90 signings. 2024: about 95 by October (T01 >100, ahead of pace), 780 亿 contracted
    (T02 1000 亿, a little behind), utilised capital running 22% above 2023 (T03 +20%, on pace).
    2025: about 110 by October (T01 >120, ahead), 820 亿 (T02 1100 亿, behind), utilised capital
    17% above 2024 (T03 +15%, ahead).
    """
    rngs = _rngs(seed, "projects", "investment")
    rng = rngs[YEARS[0]]
    counts = _spread(rng, 90 + rng.randint(-2, 2), _SIGNING_WEIGHTS)
    projects = {YEARS[0]: _year_signings(rng, YEARS[0], counts)}
    _accrue_utilised(rng, projects[YEARS[0]], targets=None)
    for year in YEARS[1:]:
        rng = rngs[year]
        by_october, after_october = _SIGNED[year]
        counts = _spread(rng, by_october + rng.randint(-2, 2), _SIGNING_WEIGHTS[:10])
        counts += _spread(rng, after_october + rng.randint(-2, 2), _SIGNING_WEIGHTS[10:])
        projects[year] = _year_signings(rng, year, counts)
        before = [sum(p.utilised[m] for p in projects[year - 1]) for m in range(12)]
        growth = _UTILISED_GROWTH[year]
        targets = [total * growth * rng.uniform(0.99, 1.01) for total in before]
        _accrue_utilised(rng, projects[year], targets)
    return [
        _investment_register(Month(year, m), projects[year]) for year in YEARS for m in range(1, 13)
    ]


def _year_signings(rng: random.Random, year: int, counts: list[int]) -> list[_Signing]:
    """A year's signings, `counts[m]` in month m+1, numbered by date, their contracted amounts
    scaled to the year's January-October total."""
    dates = sorted(
        _day_in(rng, Month(year, m), working_days=True)
        for m, count in enumerate(counts, start=1)
        for _ in range(count)
    )
    projects = [_signing(rng, year, n, day) for n, day in enumerate(dates, start=1)]
    _scale_contracted(projects, _CONTRACTED_BY_OCTOBER[year] * rng.uniform(0.99, 1.01))
    return projects


def _investment_register(month: Month, projects: list[_Signing]) -> Submission:
    """The month's register: every project of the year signed by the month's end."""
    rows = [
        {
            "period": month.label,
            "project_code": p.code,
            "project_name": p.name,
            "project_type": "招商引资",
            "investor": p.investor,
            "capital_source": p.source,
            "signed_on": p.signed_on,
            "contracted_amount_wan": p.amount,
            "utilised_capital_ytd_wan": round(p.utilised[month.month - 1], 2),
        }
        for p in projects
        if p.signed_on <= month.end
    ]
    name = f"{month.zh}招商引资项目台账.csv"
    return Submission("projects", "investment", month, name, rows)


def _signing(rng: random.Random, year: int, number: int, signed_on: date) -> _Signing:
    brand = _brand(rng)
    word, theme = rng.choice(_THEMES)
    if rng.random() < 0.2:
        investor, source = rng.choice(_FOREIGN_INVESTORS).format(brand), "外资"
    else:
        form = rng.choice(("集团有限公司", "股份有限公司", "有限公司"))
        investor, source = f"{rng.choice(_CITIES)}{brand}{word}{form}", "内资"
    # Heavy-tailed, like real signings: many of a few 亿, a handful of tens of 亿.
    amount = max(0.15, rng.lognormvariate(0, 0.9))
    return _Signing(
        f"ZS{year}-{number:03d}", f"{brand}{theme}项目", investor, source, signed_on, amount
    )


def _scale_contracted(projects: list[_Signing], by_october: float) -> None:
    """Scale raw amounts so January-October signings total `by_october`; round to 100 万元."""
    raw = sum(p.amount for p in projects if p.signed_on.month <= 10)
    for p in projects:
        p.amount = float(round(p.amount * by_october / raw, -2))


def _accrue_utilised(
    rng: random.Random, projects: list[_Signing], targets: list[float] | None
) -> None:
    """Capital arrives month by month after signing; cumulative, so it never decreases.

    With `targets`, each month's arrivals are scaled so the register total meets that month's
    target, which is how a year is tied to the one before (same months, +22% in 2024).
    """
    rates = [0.0 if rng.random() < 0.15 else rng.uniform(0.004, 0.03) for _ in projects]
    previous_total = 0.0
    for m in range(12):
        arrivals = []
        for p, rate in zip(projects, rates, strict=True):
            if p.signed_on.month > m + 1:
                arrivals.append(0.0)
                continue
            share = rng.random() if p.signed_on.month == m + 1 else rng.uniform(0.6, 1.4)
            arrivals.append(p.amount * rate * share)
        scale = 1.0
        if targets is not None and sum(arrivals) > 0:
            scale = max(0.0, targets[m] - previous_total) / sum(arrivals)
        for p, arrived in zip(projects, arrivals, strict=True):
            p.utilised[m] = (p.utilised[m - 1] if m else 0.0) + arrived * scale
        previous_total = sum(p.utilised[m] for p in projects)


# ---------------------------------------------------------------------------------------------
# projects: the development and reform bureau's 省市重点 key projects
# ---------------------------------------------------------------------------------------------

# Share of a year's construction done in each month: Harbin builds from April to October.
_CONSTRUCTION = (0.01, 0.01, 0.03, 0.08, 0.12, 0.13, 0.13, 0.13, 0.12, 0.10, 0.08, 0.06)
_START_WEIGHTS = {3: 4, 4: 14, 5: 16, 6: 12, 7: 9, 8: 7, 9: 6, 10: 4}
# Newly started by the end of October, and investment completed by then (万元).
_STARTED_BY_OCTOBER = {2023: 70, 2024: 72, 2025: 96}
_COMPLETED_BY_OCTOBER = {2023: 1_180_000, 2024: 1_300_000, 2025: 1_550_000}
_PLACES = ("松北", "利民", "对青山", "松浦", "万宝", "科技创新城", "深哈产业园", "太阳岛", "前进")
_WORKS = (
    "道路工程",
    "综合管廊工程",
    "污水处理厂扩建工程",
    "智能制造产业园项目",
    "生物医药产业园项目",
    "新能源汽车零部件项目",
    "数据中心项目",
    "冷链物流园项目",
    "人民医院新区院区项目",
    "保障性租赁住房项目",
    "供热管网改造工程",
    "冰雪装备制造项目",
    "航空配套产业园项目",
    "绿色食品加工园项目",
    "中小学校建设项目",
)


@dataclass
class _KeyProject:
    code: str
    name: str
    level: str
    approved_on: date
    started_on: date  # shown only from the month it has happened


class _UniqueNames:
    """Draws names until an unused one comes up, adding 二期/三期 like real phased projects."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, name: str) -> str:
        candidate, phase = name, 1
        while candidate in self.used:
            phase += 1
            candidate = f"{name}（{'一二三四五六七八九'[phase - 1]}期）"
        self.used.add(candidate)
        return candidate


def _key_projects(seed: int) -> list[Submission]:
    """Each month the bureau sends the year's key-project list as approved so far.

    A year's list holds projects continuing from earlier years, projects starting this year and
    approved ones that start next year. 2024: about 72 newly started by October (T04 >=100,
    behind pace) and 130 亿 completed by October (T05 150 亿, on pace); 2025: about 96 (T04 >=110,
    on pace) and 155 亿 (T05 170 亿, ahead). A project approved for a start it missed keeps its
    earlier code, so counting must use the start date.
    """
    rngs = _rngs(seed, "projects", "development_reform")
    rng = rngs[YEARS[0]]
    names = _UniqueNames()
    continuing: list[_KeyProject] = []
    for year in (2021, 2022):
        for n in range(1, 20 + rng.randint(-2, 2)):
            started = date(year, rng.randint(4, 9), rng.randint(1, 28))
            continuing.append(_key_project(rng, names, f"ZD{year}-{n:03d}", started))
    carried = [
        _key_project(
            rng, names, f"ZD2022-{n:03d}", date(2023, rng.randint(4, 6), rng.randint(1, 28))
        )
        for n in range(50, 50 + rng.randint(5, 7))
    ]
    submissions: list[Submission] = []
    for year in YEARS:
        rng = rngs[year]
        new = _new_key_projects(rng, names, year, _STARTED_BY_OCTOBER[year] - len(carried))
        started = carried + [p for p in new if p.started_on.year == year]
        waiting = [p for p in new if p.started_on.year > year]
        register = sorted(continuing + started + waiting, key=lambda p: p.code)
        continuing_codes = {p.code for p in continuing}
        submissions += _key_project_snapshots(rng, year, register, continuing_codes)
        continuing = rng.sample(started, k=min(len(started), 40 + rng.randint(-3, 3)))
        carried = waiting
    return submissions


def _key_project(
    rng: random.Random, names: _UniqueNames, code: str, started: date, approved: date | None = None
) -> _KeyProject:
    """A key project approved (by default) one to six months before it starts."""
    name = names.take(f"哈尔滨新区{rng.choice(_PLACES)}{rng.choice(_WORKS)}")
    level = "省级" if rng.random() < 0.3 else "市级"
    approved = approved or started - timedelta(days=rng.randint(30, 180))
    return _KeyProject(code, name, level, approved, started)


def _new_key_projects(
    rng: random.Random, names: _UniqueNames, year: int, by_october: int
) -> list[_KeyProject]:
    """This year's new entries: starts March-October, a few in November, some next spring."""
    months = list(_START_WEIGHTS)
    starts = [
        date(year, m, rng.randint(1, 28))
        for m in rng.choices(months, weights=list(_START_WEIGHTS.values()), k=by_october)
    ]
    starts += [date(year, 11, rng.randint(1, 15)) for _ in range(rng.randint(2, 4))]
    drafts = [_key_project(rng, names, "", start) for start in starts]
    # Approved this year for a start next spring: listed now, started_on stays empty.
    for _ in range(rng.randint(5, 7)):
        start = date(year + 1, rng.randint(4, 6), rng.randint(1, 28))
        approved = date(year, rng.randint(7, 12), rng.randint(1, 28))
        drafts.append(_key_project(rng, names, "", start, approved))
    # Numbered in order of approval, as a register would be.
    drafts.sort(key=lambda p: p.approved_on)
    for n, project in enumerate(drafts, start=1):
        project.code = f"ZD{year}-{n:03d}"
    return drafts


def _key_project_snapshots(
    rng: random.Random, year: int, register: list[_KeyProject], continuing: set[str]
) -> list[Submission]:
    """Twelve month-end snapshots: planned annual investment and investment completed so far."""
    plans, completed = [], []
    for p in register:
        # Projects carried over from earlier years are the big multi-year ones.
        plan = rng.lognormvariate(0, 0.8) * (1.6 if p.code in continuing else 1.0)
        running, path = 0.0, []
        for m in range(1, 13):
            month = Month(year, m)
            if p.started_on <= month.end:
                part = 1.0
                if (p.started_on.year, p.started_on.month) == month:
                    # Only the days after the start count in the start month.
                    part = (month.days - p.started_on.day + 1) / month.days
                running += plan * _CONSTRUCTION[m - 1] * rng.uniform(0.6, 1.4) * part
            path.append(running)
        plans.append(plan)
        completed.append(path)
    scale = _COMPLETED_BY_OCTOBER[year] * rng.uniform(0.99, 1.01) / sum(c[9] for c in completed)
    submissions = []
    for m in range(1, 13):
        month = Month(year, m)
        rows = [
            {
                "period": month.label,
                "project_code": p.code,
                "project_name": p.name,
                "project_type": "省市重点",
                "project_level": p.level,
                "approved_on": p.approved_on,
                "started_on": p.started_on if p.started_on <= month.end else None,
                "planned_annual_investment_wan": float(round(plan * scale)),
                "completed_investment_ytd_wan": round(path[m - 1] * scale, 2),
            }
            for p, plan, path in zip(register, plans, completed, strict=True)
            if p.approved_on <= month.end
        ]
        name = f"{month.zh}省市重点项目推进情况.csv"
        submissions.append(Submission("projects", "development_reform", month, name, rows))
    return submissions


# ---------------------------------------------------------------------------------------------
# enterprise_registrations: market regulation, science and technology, commerce
# ---------------------------------------------------------------------------------------------

# Fewer registrations around the Spring Festival and in winter.
_REGISTRATION_WEIGHTS = (6, 5, 9, 9, 9.5, 9.5, 9, 9, 9, 8, 8, 8)
_NEW_REGISTRATIONS = {2023: 10_000, 2024: 11_000, 2025: 13_000}
# 高企认定 and 高企撤销 a month (ranges drawn from), and the choices of 外贸备案 a month.
_HIGH_TECH_A_MONTH = {2023: ((9, 15), (1, 4)), 2024: ((11, 17), (2, 4)), 2025: ((13, 19), (2, 4))}
_TRADE_FILINGS_A_MONTH = {2023: (2, 2, 3), 2024: (3, 3, 4), 2025: (3, 4, 4)}
# Files a clerk never sends: the commerce bureau's October 2025 list (数据缺报 in the demo).
_NOT_SENT = {("commerce", Month(2025, 10))}
# Harbin district codes in the credit code: 松北 (the New Area's core), 平房, 呼兰, city level.
_REGIONS = ("230109", "230108", "230111", "230100")
_REGION_WEIGHTS = (6, 1.5, 1, 1.5)
# Industry (GB/T 4754 section) and words firms of that industry put in their names.
_INDUSTRIES = {
    "信息传输、软件和信息技术服务业": ("信息技术", "软件", "网络科技", "数据科技", "智能科技"),
    "批发和零售业": ("商贸", "贸易", "经贸", "食品销售", "医药"),
    "制造业": ("机械制造", "新材料", "装备制造", "食品", "电子"),
    "科学研究和技术服务业": ("生物科技", "检测技术", "科技", "工程技术"),
    "租赁和商务服务业": ("企业管理咨询", "商务服务", "人力资源", "广告"),
    "住宿和餐饮业": ("餐饮管理", "酒店管理", "餐饮服务"),
    "建筑业": ("建筑工程", "建设工程", "装饰工程"),
    "交通运输、仓储和邮政业": ("物流", "供应链管理", "运输"),
    "居民服务、修理和其他服务业": ("家政服务", "汽车服务", "养老服务"),
    "文化、体育和娱乐业": ("文化传媒", "体育发展", "文化旅游"),
    "农、林、牧、渔业": ("农业发展", "农业科技", "种植"),
}
_MARKET_REPORT_MONTHS = (Month(2024, 1), Month(2024, 2), Month(2024, 3))
_MARKET_MIX = (12, 30, 8, 6, 14, 9, 7, 5, 5, 3, 1)  # weights in _INDUSTRIES order
_HIGH_TECH_MIX = (35, 0, 35, 30, 0, 0, 0, 0, 0, 0, 0)
_TRADE_MIX = (0, 60, 30, 0, 0, 0, 0, 0, 0, 0, 10)


def _enterprise_registrations(seed: int) -> list[Submission]:
    """Each month each department sends that month's events only (a flow).

    新登记 about 10,000 in 2023, 11,000 a year in 2024 (T08, ahead) and 13,000 in 2025 (T08
    12,000, ahead); 高企认定 about 14 and 高企撤销 about 3 a month in 2024 (T06 net 200, behind),
    16 and 3 in 2025 (T06 220, behind); 外贸备案 3-4 a month (T09 30, met in 2024; 40 in 2025, when
    the commerce bureau never sends its October file: 数据缺报). Credit codes are unique across
    all three departments.
    """
    issued: set[str] = set()
    submissions: list[Submission] = []
    senders = ("market_regulation", "science_technology", "commerce")
    rngs = {
        department: _rngs(seed, "enterprise_registrations", department) for department in senders
    }

    def month_files(
        department: str,
        words: str,
        draw: Callable[[random.Random, Month], list],
        report: Callable[[Month], Report | None] | None,
        years: Sequence[int],
    ):
        for month in MONTHS:
            if month.year not in years:
                continue
            rng = rngs[department][month.year]
            events = draw(rng, month)
            rows = [
                _registration_row(rng, issued, month, event_type, mix) for event_type, mix in events
            ]
            if (department, month) in _NOT_SENT:
                continue
            rows.sort(key=lambda row: (row["event_date"], row["credit_code"]))
            shaped = report(month) if report else None
            name = f"{month.zh}{words}{'.xlsx' if shaped else '.csv'}"
            submissions.append(
                Submission("enterprise_registrations", department, month, name, rows, report=shaped)
            )

    market_totals: dict[int, float] = {}

    def new_registrations(rng: random.Random, month: Month) -> list:
        if month.year not in market_totals:
            market_totals[month.year] = _NEW_REGISTRATIONS[month.year] * rng.uniform(0.98, 1.02)
        share = _REGISTRATION_WEIGHTS[month.month - 1] / sum(_REGISTRATION_WEIGHTS)
        count = round(market_totals[month.year] * share * rng.uniform(0.96, 1.04))
        return [("新登记", _MARKET_MIX)] * count

    def high_tech(rng: random.Random, month: Month) -> list:
        certified, revoked = _HIGH_TECH_A_MONTH[month.year]
        certified = rng.randint(*certified)
        revoked = rng.randint(*revoked)
        return [("高企认定", _HIGH_TECH_MIX)] * certified + [("高企撤销", _HIGH_TECH_MIX)] * revoked

    def trade_filings(rng: random.Random, month: Month) -> list:
        count = rng.choice(_TRADE_FILINGS_A_MONTH[month.year])
        return [("外贸备案", _TRADE_MIX)] * count

    files = (
        ("market_regulation", "新登记企业情况", new_registrations, _market_report),
        ("science_technology", "高新技术企业认定及撤销名单", high_tech, None),
        ("commerce", "新增外贸备案企业名单", trade_filings, None),
    )
    # The later years only after every department's first years: the codes issued are shared,
    # so a later code drawn first could turn an earlier draw away.
    for years in (FIRST_YEARS, YEARS[len(FIRST_YEARS) :]):
        for department, words, draw, report in files:
            month_files(department, words, draw, report, years)
    return submissions


def _market_report(month: Month) -> Report | None:
    """The bureau's own register workbook, sent for January-March 2024 before the template."""
    if month not in _MARKET_REPORT_MONTHS:
        return None
    return Report(
        title=f"{month.year}年{month.month}月哈尔滨新区新登记企业情况表",
        footer=(
            "填报单位：哈尔滨新区市场监督管理局",
            "填报人：王丽",
            "审核人：张伟",
            "联系电话：0451-58761234",
        ),
        groups=(
            ("企业基本情况", ("credit_code", "enterprise_name")),
            ("登记事项", ("event_type", "event_date")),
        ),
    )


def _registration_row(
    rng: random.Random, issued: set[str], month: Month, event_type: str, mix: Sequence[float]
) -> Row:
    industry = rng.choices(list(_INDUSTRIES), weights=mix)[0]
    prefix = rng.choices(("哈尔滨", "哈尔滨新区", "黑龙江", "哈尔滨市松北区"), (5, 2, 2, 1))[0]
    form = rng.choices(("有限公司", "有限责任公司", "股份有限公司"), (16, 3, 1))[0]
    name = f"{prefix}{_brand(rng)}{rng.choice(_INDUSTRIES[industry])}{form}"
    return {
        "period": month.label,
        "credit_code": _credit_code(rng, issued),
        "enterprise_name": name,
        "event_type": event_type,
        "event_date": _day_in(rng, month, working_days=True),
        "industry": industry,
    }


def _credit_code(rng: random.Random, issued: set[str]) -> str:
    """A valid, not yet issued code: 91 (an enterprise), a Harbin district, 9 chars, check."""
    while True:
        region = rng.choices(_REGIONS, weights=_REGION_WEIGHTS)[0]
        first17 = "91" + region + "".join(rng.choices(CHARSET, k=9))
        code = first17 + check_character(first17)
        if code not in issued:
            issued.add(code)
            return code


# ---------------------------------------------------------------------------------------------
# tourism_revenue: the culture and tourism bureau
# ---------------------------------------------------------------------------------------------

_WINTER_ONLY = (1.0, 0.9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.6)
_WINTER_AND_SUMMER = (1.6, 1.4, 0.6, 0.5, 0.8, 1.1, 1.3, 1.3, 0.9, 0.7, 0.5, 1.2)
_SUMMER = (0.3, 0.3, 0.5, 0.7, 1.0, 1.4, 1.7, 1.7, 1.1, 0.8, 0.4, 0.3)
_SCHOOL_TERMS = (0.2, 0.1, 0.6, 1.2, 1.4, 1.0, 0.6, 0.5, 1.3, 1.2, 0.5, 0.2)
_STEADY = (0.8, 0.7, 0.9, 1.0, 1.0, 1.1, 1.2, 1.2, 1.1, 1.0, 0.9, 0.8)
# area: (visitors in an average 2023 month, season, spending per visitor in 元)
_AREAS = {
    "太阳岛风景区": (180_000, _WINTER_AND_SUMMER, 60),
    "哈尔滨极地公园": (90_000, _SUMMER, 180),
    "伏尔加庄园": (40_000, _WINTER_AND_SUMMER, 150),
    "冰雪大世界(新区段)": (400_000, _WINTER_ONLY, 250),
    "乡村旅游": (60_000, _SUMMER, 80),
    "研学旅游": (25_000, _SCHOOL_TERMS, 120),
    "工业旅游": (10_000, _STEADY, 50),
    "其他": (80_000, _WINTER_AND_SUMMER, 100),
}
# Each month's visitors and revenue against the same month a year before.
_TOURISM_GROWTH = {
    2024: {"visitors": 1.28, "revenue": 1.35},
    2025: {"visitors": 1.1, "revenue": 1.12},
}


def _tourism_revenue(seed: int) -> list[Submission]:
    """Monthly visitors and revenue per scenic area, peaking in winter with a smaller summer peak.

    Each 2024 month earns about 1.35 times the same month of 2023 (T12 +30%, ahead); each 2025
    month 1.12 times 2024's, which puts the year's revenue to October at about 100,000 万元 (T22
    120,000 万元, on pace). The ice park is closed outside the winter season and reports zeros,
    as the bureau's template keeps it.
    """
    rngs = _rngs(seed, "tourism_revenue", "culture_tourism")
    drawn: dict[tuple[str, Month], tuple[int, float]] = {}
    submissions = []
    for month in MONTHS:
        rng = rngs[month.year]
        rows = []
        for area, (visitors_per_month, season, spending) in _AREAS.items():
            if month.year == YEARS[0]:
                visitors = round(
                    visitors_per_month * season[month.month - 1] * rng.uniform(0.93, 1.07)
                )
                revenue = visitors * spending * rng.uniform(0.9, 1.1) / 10_000
            else:
                visitors_before, revenue_before = drawn[area, Month(month.year - 1, month.month)]
                growth = _TOURISM_GROWTH[month.year]
                visitors = round(visitors_before * growth["visitors"] * rng.uniform(0.96, 1.04))
                revenue = revenue_before * growth["revenue"] * rng.uniform(0.96, 1.04)
            drawn[area, month] = (visitors, revenue)
            rows.append(
                {
                    "period": month.label,
                    "area": area,
                    "visitors": visitors,
                    "revenue_wan": round(revenue, 2),
                }
            )
        name = f"{month.zh}旅游收入情况.csv"
        submissions.append(
            Submission(
                "tourism_revenue",
                "culture_tourism",
                month,
                name,
                rows,
                encoding="gbk",
                report=_tourism_report(month),
            )
        )
    return submissions


def _tourism_report(month: Month) -> Report:
    """The bureau's monthly report as Excel on a Chinese Windows saves it: GBK, revenue in 元."""
    return Report(
        title=f"{month.year}年{month.month}月哈尔滨新区旅游收入情况表",
        footer=("填报单位：哈尔滨新区文化广电和旅游局", "填报人：李娜", "联系电话：0451-58767788"),
        units=(("visitors", "人次"), ("revenue_wan", "元")),
    )


# ---------------------------------------------------------------------------------------------
# school_places: the education bureau (Excel)
# ---------------------------------------------------------------------------------------------

# Places delivered on time (by October) in a year, and those of the next year's schools already
# on the register a year ahead.
_DELIVERED_BY_OCTOBER = {2023: (4_650, 4_950), 2024: (5_050, 5_350), 2025: (4_500, 4_800)}
_LISTED_A_YEAR_AHEAD = (2_400, 3_000)
_ORDINALS = tuple("一二三四五六七八九十") + tuple(f"十{n}" for n in "一二三四五六七八九")
_SCHOOL_PLACES = ("松北", "利民", "对青山", "松浦", "万宝", "前进", "乐业")
# How a new school of each stage tends to be named: numbered, after its place, or 实验.
_SCHOOL_NAMES = {
    "小学": ("第{n}小学校", "{place}小学校", "{place}实验小学"),
    "初中": ("第{n}中学校", "{place}中学", "{place}实验中学"),
    "九年一贯制": ("第{n}学校", "{place}学校", "{place}实验学校"),
}


@dataclass
class _School:
    name: str
    stage: str
    places: int
    planned: date
    delivered: date | None


def _school_places(seed: int) -> list[Submission]:
    """The bureau's register of school projects adding compulsory-education places (a snapshot).

    Each year's register holds the projects due that year (most open in August or September,
    before term) and those due the next year already under construction. 2024: about 5,200
    places delivered by October (T13 5,800), one late project opening in December; 2025: about
    4,650 (T13 6,000, behind).
    """
    rngs = _rngs(seed, "school_places", "education")
    names = _UniqueNames()
    due: dict[int, list[_School]] = {}
    submissions = []
    for years in (FIRST_YEARS, YEARS[len(FIRST_YEARS) :]):
        for year in years:
            due[year] = _year_schools(rngs[year], names, year, due.get(year, []))
        last = years[-1]
        due[last + 1] = _schools_until(rngs[last], names, last + 1, *_LISTED_A_YEAR_AHEAD)
        for year in years:
            following = due[year + 1]
            register = due[year] + rngs[year].sample(following, k=len(following) // 2 + 1)
            for m in range(1, 13):
                month = Month(year, m)
                rows = [
                    {
                        "period": month.label,
                        "school_project": s.name,
                        "stage": s.stage,
                        "places": s.places,
                        "planned_delivery_on": s.planned,
                        "delivered_on": s.delivered
                        if s.delivered and s.delivered <= month.end
                        else None,
                    }
                    for s in register
                ]
                name = f"{month.zh}新增义务教育学位情况.xlsx"
                submissions.append(Submission("school_places", "education", month, name, rows))
    return submissions


def _year_schools(
    rng: random.Random, names: _UniqueNames, year: int, listed: list[_School]
) -> list[_School]:
    """The schools due in `year`: those `listed` a year ahead and more, delivering the year's
    places on time (one for the spring term, the rest before the autumn term), and one late."""
    low, high = _DELIVERED_BY_OCTOBER[year]
    ahead = sum(school.places for school in listed)
    more = _schools_until(rng, names, year, low - ahead, high - ahead)
    more[0].planned = date(year, 2, 28)  # one opens for the spring term
    on_time = listed + more
    for school in on_time:
        school.delivered = school.planned + timedelta(days=rng.randint(-20, 8))
    # One school (any single school has 300-900 places) misses the autumn term.
    late = _schools_until(rng, names, year, 300, 900)
    late[0].delivered = date(year, 12, rng.randint(1, 20))
    return on_time + late


def _schools_until(
    rng: random.Random, names: _UniqueNames, year: int, low: int, high: int
) -> list[_School]:
    """Schools due in `year` whose places add up to between `low` and `high`."""
    schools: list[_School] = []
    total = 0
    while total < low:
        stage = rng.choices(("小学", "初中", "九年一贯制"), (5, 3, 2))[0]
        places = _school_size(rng, stage)
        if total + places > high:
            continue
        pattern = rng.choice(_SCHOOL_NAMES[stage])
        name = "哈尔滨新区" + pattern.format(
            n=rng.choice(_ORDINALS), place=rng.choice(_SCHOOL_PLACES)
        )
        planned = date(year, 8, 31)
        schools.append(_School(names.take(name), stage, places, planned, None))
        total += places
    return schools


def _school_size(rng: random.Random, stage: str) -> int:
    """Places come in whole classes: 45 pupils in primary, 50 in junior middle school."""
    if stage == "小学":
        return 45 * rng.randint(7, 18)
    if stage == "初中":
        return 50 * rng.randint(6, 18)
    while True:
        places = 45 * rng.randint(4, 9) + 50 * rng.randint(3, 8)
        if places <= 900:
            return places


# ---------------------------------------------------------------------------------------------
# headline_statistics: statistics (GBK), finance, human resources, agriculture, science
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Metric:
    code: str
    name: str
    unit: str
    annual_2023: float  # full-year 2023 value
    weights: Sequence[float]  # seasonal shares, Jan..Dec (zeros for months not reported)
    ratios: Mapping[int, float]  # by year: its value over the same months of the year before
    noise: float  # half-width of the month-to-month wobble of that ratio
    # Reported growth (comparable prices) by year, when reported.
    growth: Mapping[int, float] = field(default_factory=dict)


_STATISTICS = (
    _Metric(
        code="gdp",
        name="地区生产总值",
        unit="亿元",
        annual_2023=780,
        weights=(0, 0, 20, 0, 0, 25, 0, 0, 26, 0, 0, 29),
        # Real growth 6.3%, but prices fell in 2024, so the nominal value grows less: this is
        # why comparable-price growth is read from the bureau and not computed from values.
        ratios={2024: 1.051, 2025: 1.048},
        noise=0.002,
        growth={2023: 5.9, 2024: 6.3, 2025: 5.8},
    ),
    _Metric(
        code="industrial_value_added",
        name="规模以上工业增加值",
        unit="亿元",
        annual_2023=210,
        weights=(7, 7, 8.5, 8.5, 8.5, 8.5, 8, 8, 8.5, 9, 9, 9.5),
        ratios={2024: 1.081, 2025: 1.09},
        noise=0.003,
        growth={2023: 8.3, 2024: 10.1, 2025: 10.6},
    ),
    _Metric(
        code="fixed_asset_investment",
        name="固定资产投资",
        unit="亿元",
        annual_2023=560,
        weights=_CONSTRUCTION,
        ratios={2024: 1.103, 2025: 1.1},
        noise=0.002,
    ),
    _Metric(
        code="retail_sales",
        name="社会消费品零售总额",
        unit="亿元",
        annual_2023=350,
        weights=(9, 8.5, 8, 8, 8.5, 8, 8, 8, 8.5, 9, 8.5, 9),
        ratios={2024: 1.072, 2025: 1.081},
        noise=0.002,
    ),
    _Metric(
        code="imports_exports",
        name="进出口总额",
        unit="亿元",
        annual_2023=150,
        weights=(7.5, 7, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 9),
        ratios={2024: 1.25, 2025: 1.18},
        noise=0.01,
    ),
    _Metric(
        code="resident_income",
        name="居民人均可支配收入",
        unit="元",
        annual_2023=39_800,
        weights=(0, 0, 28, 0, 0, 22, 0, 0, 24, 0, 0, 26),
        ratios={2024: 1.061, 2025: 1.058},
        noise=0.002,
        growth={2023: 5.6, 2024: 6.1, 2025: 5.9},
    ),
)
_BUDGET_REVENUE = _Metric(
    code="budget_revenue",
    name="一般公共预算收入",
    unit="亿元",
    annual_2023=68,
    # Tax comes in early in the year (year-end settlements), hence January's weight.
    weights=(12, 7, 9, 10, 9, 8, 8, 7, 7, 8, 7, 8),
    ratios={2024: 1.062, 2025: 1.066},
    noise=0.002,
)


def _metric_rows(rngs: Mapping[int, random.Random], metric: _Metric) -> dict[Month, Row]:
    """One cumulative row per reported month of every year (1-N月累计), each year's value the
    same months of the year before times its ratio."""
    rng = rngs[YEARS[0]]
    annual = metric.annual_2023 * rng.uniform(0.98, 1.02)
    first = _cumulative(rng, annual, [w or 1e-9 for w in metric.weights])
    values = {Month(YEARS[0], m): value for m, value in enumerate(first, start=1)}
    rows: dict[Month, Row] = {}
    previous = 0.0
    for month in MONTHS:
        rng = rngs[month.year]
        if month.year != YEARS[0]:
            if month.month == 1:
                previous = 0.0
            ratio = metric.ratios[month.year] + rng.uniform(-metric.noise, metric.noise)
            values[month] = previous = max(
                previous, values[Month(month.year - 1, month.month)] * ratio
            )
        value, growth = values[month], metric.growth.get(month.year)
        if not metric.weights[month.month - 1]:
            continue
        if growth is not None:
            # A small wobble keeps resident income within 0.5 points of GDP (T16 in step).
            growth = round(growth + rng.uniform(-0.1, 0.1), 1)
        rows[month] = {
            "period": month.label,
            "metric_code": metric.code,
            "metric_name": metric.name,
            "value_ytd": round(value) if metric.unit == "元" else round(value, 2),
            "unit": metric.unit,
            "growth_pct": growth,
        }
    return rows


def _headline_statistics(seed: int) -> list[Submission]:
    """Monthly cumulative figures; GDP and resident income only at quarter ends.

    2024 against the same months of 2023: retail sales +7.2% (T17 8%±0.5, below the band),
    fixed-asset investment +10.3% (T18, in band), imports and exports +25% (T14 30%, behind);
    GDP (6.3%) and industrial value added (10.1%) as reported comparable-price growth. 2025
    against 2024: retail sales +8.1% (T17, in band), fixed-asset investment +10% (T18 12%±0.5,
    below the band), imports and exports +18% (T14 20%, behind; about 181 亿 to October, T23 220
    亿, on pace), GDP 5.8% (T19 6.5%±0.5, below) and industrial value added 10.6% (T20 10%, ahead).
    The statistics bureau saves its files in GBK, as Excel on a Chinese Windows does.
    """
    parts = ("headline_statistics", "statistics")
    first = _rng(seed, *parts)
    series = [
        _metric_rows(_rngs(seed, *parts, metric.code, first=first), metric)
        for metric in _STATISTICS
    ]
    return [
        Submission(
            "headline_statistics",
            "statistics",
            month,
            f"{month.zh}主要经济指标.csv",
            [rows[month] for rows in series if month in rows],
            encoding="gbk",
        )
        for month in MONTHS
    ]


def _budget_revenue(seed: int) -> list[Submission]:
    """The finance bureau's monthly revenue, about 6.2% above 2023 (T15 6%±0.5, met) and 6.6%
    above 2024 (T15 6.5%±0.5, in band)."""
    rows = _metric_rows(_rngs(seed, "headline_statistics", "finance"), _BUDGET_REVENUE)
    return [
        Submission(
            "headline_statistics", "finance", m, f"{m.zh}一般公共预算收入完成情况.csv", [rows[m]]
        )
        for m in MONTHS
    ]


def _level_rows(
    rngs: Mapping[int, random.Random], code: str, name: str, unit: str, anchors: dict[Month, int]
) -> dict[Month, Row]:
    """A month-end level reached in batches: it moves toward the next anchor every month or two."""
    points = sorted(anchors.items())
    rows: dict[Month, Row] = {}
    level = points[0][1]
    for month in MONTHS:
        rng = rngs[month.year]
        after = next((p for p in points if p[0] >= month), points[-1])
        before = max((p for p in points if p[0] < month), default=points[0])
        if month in anchors or rng.random() < 0.5:
            span = MONTHS.index(after[0]) - MONTHS.index(before[0]) or 1
            done = (MONTHS.index(month) - MONTHS.index(before[0])) / span
            level = max(level, round(before[1] + (after[1] - before[1]) * done))
        rows[month] = {
            "period": month.label,
            "metric_code": code,
            "metric_name": name,
            "value_ytd": level,
            "unit": unit,
        }
    return rows


def _industry_education(seed: int) -> list[Submission]:
    """Practice centres (about 14 by October 2024, T10 20; 18 by October 2025, T10 24, both
    behind) and enterprises (about 35, T11 40, on pace; 46, T11 50, ahead)."""
    parts = ("headline_statistics", "human_resources")
    first = _rng(seed, *parts)
    start, october_2024, october_2025 = Month(2023, 1), Month(2024, 10), Month(2025, 10)
    last_2023, last_2024, last_2025 = (Month(year, 12) for year in YEARS)
    centres = _level_rows(
        _rngs(seed, *parts, "industry_education_centres", first=first),
        "industry_education_centres",
        "产教融合实践中心",
        "个",
        {start: 0, last_2023: 6, october_2024: 14, last_2024: 16, october_2025: 18, last_2025: 22},
    )
    enterprises = _level_rows(
        _rngs(seed, *parts, "industry_education_enterprises", first=first),
        "industry_education_enterprises",
        "产教融合型企业",
        "家",
        {start: 0, last_2023: 18, october_2024: 35, last_2024: 38, october_2025: 46, last_2025: 50},
    )
    return [
        Submission(
            "headline_statistics",
            "human_resources",
            m,
            f"{m.zh}产教融合工作进展情况.csv",
            [centres[m], enterprises[m]],
        )
        for m in MONTHS
    ]


# Area under construction at each month end (亩): land is contracted in spring, sown by June.
_FIELD_AREA = {
    2023: (0, 0, 0, 800, 2_400, 3_200, 3_200, 3_200, 3_200, 3_200, 3_200, 3_200),
    2024: (0, 0, 1_500, 4_800, 8_900, 10_500, 10_500, 10_500, 10_500, 10_500, 10_500, 10_500),
    2025: (0, 0, 2_000, 6_500, 12_000, 15_600, 15_600, 15_600, 15_600, 15_600, 15_600, 15_600),
}


def _demonstration_field(seed: int) -> list[Submission]:
    """The agriculture bureau's 龙江一号 field: about 10,500 亩 from June 2024 (T21 10,000, met),
    15,600 亩 from June 2025 (T21 15,000, met)."""
    rngs = _rngs(seed, "headline_statistics", "agriculture")
    jitter = {year: rngs[year].uniform(0.98, 1.02) for year in YEARS}
    submissions = []
    for month in MONTHS:
        area = round(_FIELD_AREA[month.year][month.month - 1] * jitter[month.year], -1)
        row = {
            "period": month.label,
            "metric_code": "demonstration_field_area",
            "metric_name": "龙江一号示范田建设面积",
            "value_ytd": area,
            "unit": "亩",
        }
        name = f"{month.zh}龙江一号示范田建设进度.csv"
        submissions.append(Submission("headline_statistics", "agriculture", month, name, [row]))
    return submissions


# The stock of high-tech enterprises at each year end: 1,398 at the end of 2023, and 1,523 at
# the end of 2024 (1,398 and the year's net increase of 125, T07's final figure).
_HIGH_TECH_STOCK = {2023: 1398, 2024: 1523}


def _high_tech_stock(seed: int) -> list[Submission]:
    """The stock of high-tech enterprises, reported once a year for December (T07's baseline)."""
    del seed  # reported, not drawn
    submissions = []
    for year, stock in _HIGH_TECH_STOCK.items():
        month = Month(year, 12)
        row = {
            "period": month.label,
            "metric_code": "high_tech_stock",
            "metric_name": "高新技术企业总数",
            "value_ytd": stock,
            "unit": "家",
        }
        name = f"{month.zh}高新技术企业总数.csv"
        submissions.append(
            Submission("headline_statistics", "science_technology", month, name, [row])
        )
    return submissions


# The seed's plan: the district's 2024 work plan's 21 targets, every version, as the supervision
# office (督查室) sends them; the demo drops it like any department's file.
SEED_PLAN = CATALOG_ROOT / "targets.csv"
PLAN_FEED, PLAN_OFFICE = "plans", "supervision_office"

# The demo's second plan year, of its own making: the seed's plan carried into the next year as
# the office would write it. An indicator that is the same measure keeps its id, with its new
# target and words (most raised; T03 and T14 lowered; T16, T17 and T19 as before); T07 (the stock
# of high-tech enterprises) is dropped, its net increase (T06) kept; T12's growth of tourism
# revenue is redefined as the revenue itself, a measure of its own, so a new id (T22); T23, the
# imports and exports amount, is added beside their growth (T14).
NEXT_PLAN_YEAR = 2025
_NEXT_TARGETS: dict[str, tuple[float | None, str]] = {
    "T01": (120, "力争全年招商引资项目数量突破120个"),
    "T02": (1100, "协议引资额达到1100亿元"),
    "T03": (15, "实际利用内外资同比增长15%以上"),
    "T04": (110, "确保新开工省市重点项目达到110个以上"),
    "T05": (170, "年度投资额170亿元以上"),
    "T06": (220, "确保全年净增高新技术企业220家以上"),
    "T08": (12000, "确保全年新登记企业1.2万户以上"),
    "T09": (40, "力争新增外贸备案企业40户以上"),
    "T10": (24, "力争产教融合实践中心达到24个"),
    "T11": (50, "产教融合型企业达到50家"),
    "T13": (6000, "计划新增学位6000个"),
    "T14": (20, "进出口总额增长20%以上"),
    "T15": (6.5, "一般公共预算收入增长6.5%左右"),
    "T16": (None, "城乡居民收入增长与经济增长同步"),
    "T17": (8, "社会消费品零售总额增长8%左右"),
    "T18": (12, "固定资产投资增长12%左右"),
    "T19": (6.5, "地区生产总值增长6.5%左右"),
    "T20": (10, "规上工业增加值增长10%以上"),
    "T21": (15000, "龙江一号示范田建设面积达到1.5万亩"),
}
_NEW_INDICATORS: tuple[Row, ...] = (
    {
        "indicator_id": "T22",
        "name_zh": "旅游收入",
        "name_en": "Tourism revenue",
        "plan_words_zh": "旅游收入达到12亿元",
        "target_value": 120000,
        "comparator": ">=",
        "unit": "万元",
        "measure": "sum",
        "lead_department": "culture_tourism",
        "feed": "tourism_revenue",
        "source_department": "culture_tourism",
        "metric_code": "tourism_revenue_wan",
        "frequency": "monthly",
    },
    {
        "indicator_id": "T23",
        "name_zh": "进出口总额",
        "name_en": "Total imports and exports",
        "plan_words_zh": "进出口总额达到220亿元",
        "target_value": 220,
        "comparator": ">=",
        "unit": "亿元",
        "measure": "sum",
        "lead_department": "commerce",
        "feed": "headline_statistics",
        "source_department": "statistics",
        "metric_code": "imports_exports",
        "frequency": "monthly",
    },
)


def _seed_plans() -> list[Submission]:
    """One plan file per date a version of the seed's targets took effect (the plan as published
    in January; a revision would be a file of its own), each row an indicator of that version."""
    by_month: dict[Month, list[Row]] = {}
    for row in _seed_plan_rows():
        month = Month(*(int(part) for part in row["period"].split("-")))
        by_month.setdefault(month, []).append(row)
    return [_plan_file(month, rows) for month, rows in sorted(by_month.items())]


def _seed_plan_rows() -> list[Row]:
    """The seed's plan rows as the plans contract names them, 生效月份 from valid_from."""
    columns = set(load_contract(PLAN_FEED).column_names)
    with open(SEED_PLAN, encoding="utf-8", newline="") as handle:
        return [
            {
                "period": row["valid_from"][:7],
                **{name: value or None for name, value in row.items() if name in columns},
            }
            for row in csv.DictReader(handle)
        ]


def _next_plan() -> Submission:
    """The next year's plan as published in January: the seed's indicators kept, with their new
    targets and words, then the new ones; it arrives in early January, as it takes effect."""
    month = Month(NEXT_PLAN_YEAR, 1)
    kept = [
        row | {"period": month.label, "target_value": target, "plan_words_zh": words}
        for row in _seed_plan_rows()
        if row["indicator_id"] in _NEXT_TARGETS
        for target, words in [_NEXT_TARGETS[row["indicator_id"]]]
    ]
    new = [{"period": month.label, **row} for row in _NEW_INDICATORS]
    return replace(_plan_file(month, kept + new), arrives_after_months=0)


def _plan_file(month: Month, rows: list[Row]) -> Submission:
    # Named by its month first, as every demo file is: 2024年01月起执行….
    name = f"{month.zh}起执行工作计划考核目标.csv"
    return Submission(PLAN_FEED, PLAN_OFFICE, month, name, rows)


def _plans(seed: int) -> list[Submission]:
    """The seed's plan and the demo's next one."""
    del seed  # a plan is written, not drawn
    return [*_seed_plans(), _next_plan()]


def write_seed_plan(landing: Path, seed: int = 2024) -> list[Path]:
    """Drop the seed's plan files in the supervision office's folder, as the demo does; the same
    bytes and times as the demo's, so a deployment holding them already receives nothing new."""
    return [_write_submission(Path(landing), plan, seed) for plan in _seed_plans()]


_BUILDERS: tuple[Callable[[int], list[Submission]], ...] = (
    _plans,
    _investment_projects,
    _key_projects,
    _enterprise_registrations,
    _tourism_revenue,
    _school_places,
    _headline_statistics,
    _budget_revenue,
    _industry_education,
    _demonstration_field,
    _high_tech_stock,
)
