"""The feeds' Great Expectations suites (`expectations/<feed>.json`), read as plain rules.

The JSON files are GX Core 1.x suites and the single source of the rules: both validation
engines read them from here. Each expectation's `meta` carries a rule code and the reason in
English and Chinese, and says which column a clerk should look at when a row breaks it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipelines.files.contracts import load_contract
from pipelines.settings import EXPECTATIONS_ROOT

# Typed columns travel with their text as received, under this suffix, so a finding can show
# what the clerk typed rather than the null it parsed to.
TEXT_SUFFIX = "__text"
# Columns derived from `period` for pair and range rules; a finding reports the period's text.
PERIOD_COLUMNS = ("period", "period__end")


@dataclass(frozen=True)
class Rule:
    """One expectation of a suite, with what a finding against it tells the clerk."""

    index: int
    type: str
    kwargs: dict[str, Any]
    rule: str
    reason_en: str
    reason_zh: str

    @property
    def column(self) -> str | None:
        """The contract column a finding names, or None for table and multi-column rules.

        A pair rule (a date after the period's end) is about its dated column; derived columns
        (period__end, value_ytd__previous) report on the column they come from.
        """
        named = self.kwargs.get("column")
        if named is None:
            # Only a pair's derived period column defers to its dated column: a rule on
            # `period` itself (a month that did not parse) names the period, shown as typed.
            named = self.kwargs.get("column_B")
            if named in PERIOD_COLUMNS:
                named = self.kwargs.get("column_A")
        return (named or "").split("__")[0] or None

    @property
    def is_table_rule(self) -> bool:
        """A rule on the whole file (row count), not on rows: its failure rejects the file."""
        return self.type.startswith("expect_table_")


@cache
def load_rules(feed: str) -> tuple[Rule, ...]:
    """The feed's suite as rules, in the suite's order."""
    return tuple(
        Rule(
            index=index,
            type=spec["type"],
            kwargs=spec["kwargs"],
            rule=spec.get("meta", {}).get("rule", spec["type"]),
            reason_en=spec.get("meta", {}).get("reason_en", spec["type"]),
            reason_zh=spec.get("meta", {}).get("reason_zh", spec["type"]),
        )
        for index, spec in enumerate(suite_spec(feed)["expectations"])
    )


@cache
def suite_spec(feed: str) -> dict[str, Any]:
    """The suite file's JSON, as GX reads it."""
    load_contract(feed)  # refuse unknown feeds before touching the filesystem
    return json.loads((EXPECTATIONS_ROOT / f"{feed}.json").read_text(encoding="utf-8"))
