"""The units a department file names for its figures (in a header's brackets or a 单位 line),
and how a value in one converts to the contract's unit."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from pipelines.files.contracts import Column

# Each unit a header may name: what it measures and how many base units one of it holds. Values
# convert only between units of one measure; 个, 户 and 家 are all plain counts.
UNITS = {
    "元": ("amount", 1),
    "万元": ("amount", 10_000),
    "亿元": ("amount", 100_000_000),
    "人次": ("visits", 1),
    "万人次": ("visits", 10_000),
    "个": ("count", 1),
    "户": ("count", 1),
    "家": ("count", 1),
}
_BRACKETED = re.compile(r"[(\[【]([^)\]】]*)[)\]】]")


def unit_in(header: str) -> str | None:
    """The known unit named in a header's brackets: 投资额（亿元）, 投资额(单位：亿元)."""
    for inside in _BRACKETED.findall(unicodedata.normalize("NFKC", header)):
        unit = re.split(r"[:：]", inside)[-1].strip()
        if unit in UNITS:
            return unit
    return None


def unit_factor(found: str | None, expected: str | None) -> Decimal | None:
    """What a value in `found` units is multiplied by to be in `expected` units; None if neither."""
    if found not in UNITS or expected not in UNITS:
        return None
    (measure, scale), (expected_measure, expected_scale) = UNITS[found], UNITS[expected]
    return Decimal(scale) / Decimal(expected_scale) if measure == expected_measure else None


def column_unit(column: Column, header: str, table_unit: str | None) -> str | None:
    """The unit of a column's values: its header's, else the table's 单位 line where it applies."""
    found = unit_in(header)
    if found or unit_factor(table_unit, column.unit) is None:
        return found
    return table_unit
