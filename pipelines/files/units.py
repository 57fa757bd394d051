"""The units a department file names for its figures, and how a value in one converts to the
contract's unit.

A unit may be written in a header's brackets (投资额（亿元）, 投资额(单位：亿元)), after a slash
or a space (投资额/亿元), in a row of units under the header, on a parent header over its
sub-columns (投资情况（亿元） over 计划/完成), or on a 单位 line above the table (单位：万元).
A unit is never ignored: one of the contract's measure converts exactly (元, 千元, 万元, 亿元;
人次, 万人次; 个, 家, 户; %, ‰), and any other unit a column's figures are given in (万美元 with no
exchange rate, 万人 where visits are counted, 吨 or 亩 where an amount is expected) refuses the
file naming the unit and the column, since taking it for the contract's unit would load a wrong
figure without a word.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from pipelines.files import bounds
from pipelines.files.contracts import Column
from pipelines.files.rejection import FileRejected

# Each unit a value converts from: what it measures and how many base units one of it holds.
# Values convert only between units of one measure; 个, 户 and 家 are all plain counts.
UNITS: dict[str, tuple[str, Decimal]] = {
    "元": ("amount", Decimal(1)),
    "千元": ("amount", Decimal(1_000)),
    "万元": ("amount", Decimal(10_000)),
    "十万元": ("amount", Decimal(100_000)),
    "百万元": ("amount", Decimal(1_000_000)),
    "千万元": ("amount", Decimal(10_000_000)),
    "亿元": ("amount", Decimal(100_000_000)),
    "人次": ("visits", Decimal(1)),
    "万人次": ("visits", Decimal(10_000)),
    "亿人次": ("visits", Decimal(100_000_000)),
    "个": ("count", Decimal(1)),
    "户": ("count", Decimal(1)),
    "家": ("count", Decimal(1)),
    "万个": ("count", Decimal(10_000)),
    "万户": ("count", Decimal(10_000)),
    "万家": ("count", Decimal(10_000)),
    "%": ("rate", Decimal(1)),
    "‰": ("rate", Decimal("0.1")),
}
# Spellings of the same unit.
ALIASES = {"人民币元": "元", "万元人民币": "万元", "亿元人民币": "亿元", "％": "%", "百分比": "%"}

# What a word must look like to be taken for a unit (rather than a note such as 含税 or a
# format hint such as 年/月/日): an optional magnitude, then a unit of money, people, things,
# weight, area or length. Recognised so that one the contract cannot take is refused by name.
_MAGNITUDES = "十|百|千|万|十万|百万|千万|亿|万亿"
_MAGNITUDE = rf"(?:{_MAGNITUDES})?"
_BASE = (
    r"(?:元|人民币元|美元|港元|港币|欧元|日元|英镑|卢布|韩元|"
    r"人次|人|户|家|个|件|辆|台|套|所|座|项|次|床|间|张|名|头|只|"
    r"吨|公斤|千克|克|斤|亩|公顷|平方米|平方公里|㎡|米|公里|千米|千瓦|千瓦时|度|立方米|"
    r"标准箱|架次|艘)"
)
# A magnitude alone (（亿）, 单位：万) is a unit too, one no column converts from: 亿 of what is
# for the clerk to say, and passing over it took 12.5 亿 for 12.5 万元.
BARE_MAGNITUDES = ("十万", "百万", "千万", "万亿", "亿", "万", "千")
UNIT_WORD = re.compile(
    rf"{_MAGNITUDE}{_BASE}(?:人民币)?|%|％|‰|百分点|百分比|{'|'.join(BARE_MAGNITUDES)}"
)
_UNIT_TEXT = re.compile(rf"^(?:(?:金额|计量)?单位\s*[:：]?\s*)?({UNIT_WORD.pattern})$")
_BRACKETED = re.compile(r"[(\[【{]([^)\]】}]*)[)\]】}]")
# A unit after a separator at a header's end: 投资额/亿元, 投资额 亿元, 投资额：亿元.
_TRAILING = re.compile(rf"^(.*?\S)\s*[/／\\、:：\s]\s*({UNIT_WORD.pattern})$")
# A rate's sign written straight after the header: 同比增长%, 增速‰.
_RATE_END = re.compile(r"^(.*?[^\s%‰])\s*(%|‰)$")
_LINE_SEPARATORS = re.compile(r"[,，、;；/／\s]+")


# A space typed inside a unit (万　元, 亿 元, 万 人次): the unit is the words together, never
# the last of them alone (元 for 万元 loaded figures ten thousand times too small).
_SPACED_UNIT = re.compile(rf"({_MAGNITUDES})\s+(?={_BASE})")


def fold(text: str) -> str:
    return _SPACED_UNIT.sub(r"\1", unicodedata.normalize("NFKC", text or "").strip())


def as_unit(text: str) -> str | None:
    """The unit `text` is, whole ("亿元", "单位：亿元", "（万元）"), or None if it is not one."""
    text = fold(text)
    inside = _BRACKETED.fullmatch(text)
    if inside:
        text = inside.group(1).strip()
    found = _UNIT_TEXT.match(text)
    if not found:
        return None
    unit = found.group(1)
    return ALIASES.get(unit, unit)


def unit_in(header: str) -> str | None:
    """The unit one header cell names: in brackets (投资额（亿元）, 投资额(单位：亿元)), after a
    slash or space at its end (投资额/亿元), or as the whole cell (a unit row's 亿元)."""
    text = fold(header)
    for inside in _BRACKETED.findall(text):
        # 旅游收入（本月，亿元）: the unit may share its brackets with a qualifier.
        for part in [inside, *_LINE_SEPARATORS.split(inside)]:
            unit = as_unit(part)
            if unit:
                return unit
    trailing = _TRAILING.match(text) or _RATE_END.match(text)
    if trailing and not as_unit(trailing.group(1)):
        return as_unit(trailing.group(2))
    return as_unit(text)


def strip_unit(header: str) -> str:
    """A header without the unit written after a separator at its end: 投资额/亿元 is 投资额."""
    text = fold(header)
    trailing = _TRAILING.match(text) or _RATE_END.match(text)
    return trailing.group(1) if trailing and not as_unit(trailing.group(1)) else header


def line_units(text: str | None) -> list[str]:
    """The units a 单位 line names ("万元", "万元、人次"); none when it names something else, such
    as the reporting organisation (单位：市商务局)."""
    parts = [p for p in _LINE_SEPARATORS.split(fold(text or "")) if p]
    units = [as_unit(p) for p in parts]
    return units if parts and all(units) else []  # type: ignore[return-value]


# "单位：亿元" anywhere in a cell: a line of its own, in a title's brackets (…情况表（单位：亿元）),
# beside other labels. What follows 填报单位： is an organisation, which `line_units` passes over.
_NAMED = re.compile(r"单位\s*[:：]\s*([^\s)）\]】,，;；]+(?:\s*[、/／,，]\s*[^\s)）\]】,，;；]+)*)")


def units_named(cell: str) -> list[str]:
    """The units a cell above the table names for the figures: 单位：万元 wherever it stands in
    the cell, or the cell being a unit alone (（万元）)."""
    alone = as_unit(cell)
    if alone:
        return [alone]
    return [u for found in _NAMED.findall(fold(cell)) for u in line_units(found)]


def unit_factor(found: str | None, expected: str | None) -> Decimal | None:
    """What a value in `found` units is multiplied by to be in `expected` units; None if neither."""
    if found not in UNITS or expected not in UNITS:
        return None
    (measure, scale), (expected_measure, expected_scale) = UNITS[found], UNITS[expected]
    return scale / expected_scale if measure == expected_measure else None


def measure_of(unit: str) -> str:
    """What a unit measures, for telling which columns a 单位 line speaks of: money of any
    currency, people (人 and 人次 alike: a line naming 万人 speaks of the visitors), counts, rates;
    anything else (吨, 亩) is its own."""
    if unit in UNITS:
        measure = UNITS[unit][0]
        return "people" if measure == "visits" else measure
    if re.search(r"元|美元|港币|卢布|英镑", unit):
        return "amount"
    if re.fullmatch(rf"{_MAGNITUDE}人", unit):
        return "people"
    if unit in ("百分点", "百分比"):
        return "rate"
    return unit


def column_units(
    columns: list[Column], header_units: dict[str, list[str]], line: list[str]
) -> dict[str, str | None]:
    """The unit each column's values are in: the nearest its header names (a sub-column's own
    over its parent's), else the 单位 line's unit of the column's measure; None when nothing
    says, and the contract's unit is meant.

    A 单位 line speaks of the columns of its unit's measure (单位：万元 of the amounts, not of a
    visitor count beside them). A line naming one unit that no column measures (单位：亩 or
    单位：个 over amounts) still speaks of the figures, so it is applied to every one and
    refused rather than passed over. Text, dates and figures the contract gives no unit take
    no unit at all.
    """
    figures = [c for c in columns if c.type in ("integer", "decimal") and c.unit]
    found: dict[str, str | None] = {c.name: None for c in columns}
    for column in figures:
        own = header_units.get(column.name, [])
        if own:
            found[column.name] = own[-1]
    bare = [c for c in figures if not header_units.get(c.name)]
    for unit in line:
        targets = [c for c in bare if measure_of(c.unit or "") == measure_of(unit)]
        if not targets and len(line) == 1:
            targets = bare
        for column in targets:
            found[column.name] = found[column.name] or unit
    return found


def refuse_unit(column: Column, unit: str, position: int, header: str) -> None:
    """Refuse a file whose column is given in a unit that does not convert to the contract's."""
    if unit_factor(unit, column.unit) is not None:
        return
    letter = bounds.column_letters(position + 1)
    if unit in BARE_MAGNITUDES:
        why_en = f"{unit} names a magnitude but no unit ({unit}元? {unit}人次?)"
        why_zh = f"“{unit}”只有数量级、没有计量单位（应写作“{unit}元”“{unit}人次”等）"
    elif measure_of(unit) == "amount":
        why_en, why_zh = "no exchange rate is configured", "系统未配置汇率，无法换算"
    else:
        why_en, why_zh = "it is not a unit of the same measure", "两者不是同一种计量，无法换算"
    raise FileRejected(
        f"Column {letter} ({header}) is given in {unit}, but the template's "
        f"{column.header_zh} is in {column.unit} and {why_en}: give the figures in "
        f"{column.unit} and send the file again.",
        f"第 {letter} 列（{header}）的单位为“{unit}”，而模板“{column.header_zh}”的单位为"
        f"“{column.unit}”，{why_zh}：请按“{column.unit}”填报后重新报送。",
    )
