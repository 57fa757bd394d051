"""Feed contracts: what each department file holds, read from `contracts/<feed>.yaml`.

The YAML files are the written contract a department signs up to; this module only gives them
types so the reader, the validation and the templates share one definition.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

import yaml

from pipelines.settings import CONTRACTS_ROOT

FEEDS = (
    "projects",
    "enterprise_registrations",
    "tourism_revenue",
    "school_places",
    "headline_statistics",
    # The plan-year targets the supervision office (督查室) sends: a file like the others.
    "plans",
)
# Files that are no department's figures: they set what the figures are judged against.
PLAN_FEED = "plans"
# The cadence of a file sent when something changes (a plan published or revised): no month owed.
ON_REVISION = "on_revision"


@dataclass(frozen=True)
class Column:
    """One template column: its canonical name, the Chinese header and accepted synonyms."""

    name: str
    header_zh: str
    type: str
    required: bool
    synonyms: tuple[str, ...] = ()
    unit: str | None = None
    allowed: tuple[str, ...] = ()
    min: float | None = None
    description: str = ""
    description_zh: str = ""
    # (code, Chinese label) of allowed codes a clerk may give by their label (指标代码 by name).
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def choices(self) -> tuple[str, ...]:
        """What a clerk picks from: the allowed values, by their Chinese labels where they have
        them."""
        labels = dict(self.labels)
        return tuple(labels.get(value, value) for value in self.allowed)

    def coded(self, text_sql: str) -> str:
        """SQL giving the code a cell's text names: the code itself, or its Chinese label
        (地区生产总值 is gdp). Labels come from the contract, never from a file."""
        if not self.labels:
            return text_sql
        cases = " ".join(
            f"when '{label.replace(chr(39), chr(39) * 2)}' then '{code}'"
            for code, label in self.labels
        )
        return f"coalesce(case trim({text_sql}) {cases} end, {text_sql})"

    def headers(self) -> tuple[str, ...]:
        """Every header text that names this column, normalised for matching."""
        return tuple(normalise_header(h) for h in (self.header_zh, *self.synonyms))


@dataclass(frozen=True)
class Contract:
    """A feed's contract: grain, business key, cadence and columns."""

    feed: str
    title_zh: str
    title_en: str
    grain: str
    grain_zh: str
    kind: str
    business_key: tuple[str, ...]
    cadence: str
    due_day: int
    departments: tuple[str, ...]
    quarantine_threshold: float
    columns: tuple[Column, ...] = field(default=())
    annual_departments: tuple[str, ...] = ()
    # Which values of `sends_column` (事项类型, 指标代码) each department reports, when the feed
    # is shared by departments that each report their own kind of row.
    sends_column: str | None = None
    sends: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    def cadence_of(self, department: str) -> str:
        """How often a department sends this feed: the feed's cadence unless it reports yearly."""
        return "annual" if department in self.annual_departments else self.cadence

    def sent_by(self, department: str) -> tuple[str, ...] | None:
        """The kinds of row (`sends_column` values) a department reports; None: any."""
        return dict(self.sends).get(department)


_BRACKETED = re.compile(r"[(\[（【].*?[)\]）】]")


def normalise_header(text: str) -> str:
    """Fold full-width forms, drop spaces and bracketed units: 投资额（万元） matches 投资额."""
    folded = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", "", _BRACKETED.sub("", folded)).lower()


@cache
def load_contract(feed: str) -> Contract:
    """Read one feed's contract; an unknown feed is a KeyError, never a path to read."""
    if feed not in FEEDS:
        raise KeyError(f"unknown feed {feed!r}; feeds are {', '.join(FEEDS)}")
    raw = yaml.safe_load((CONTRACTS_ROOT / f"{feed}.yaml").read_text(encoding="utf-8"))
    columns = tuple(
        Column(
            name=c["name"],
            header_zh=c["header_zh"],
            type=c["type"],
            required=bool(c["required"]),
            synonyms=tuple(c.get("synonyms", ())),
            unit=c.get("unit"),
            allowed=tuple(c.get("allowed", ())),
            min=c.get("min"),
            description=c.get("description", ""),
            description_zh=c.get("description_zh", ""),
            labels=tuple(c.get("labels", {}).items()),
        )
        for c in raw["columns"]
    )
    return Contract(
        feed=raw["feed"],
        title_zh=raw["title_zh"],
        title_en=raw["title_en"],
        grain=" ".join(raw["grain"].split()),
        grain_zh=raw["grain_zh"],
        kind=raw["kind"],
        business_key=tuple(raw["business_key"]),
        cadence=raw["cadence"],
        due_day=int(raw["due_day"]),
        departments=tuple(raw["departments"]),
        annual_departments=tuple(raw.get("annual_departments", ())),
        quarantine_threshold=float(raw["quarantine_threshold"]),
        columns=columns,
        sends_column=raw.get("sends", {}).get("column"),
        sends=tuple(
            (department, tuple(kinds))
            for department, kinds in raw.get("sends", {}).get("by_department", {}).items()
        ),
    )
