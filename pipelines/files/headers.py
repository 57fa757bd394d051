"""Find a department file's header by its contents and read the lines around its table.

A header may sit below a title and blank rows and span two rows (a parent over its
sub-columns); each template column is matched by its Chinese header or a synonym, and a header
that names one column twice, or another feed's template, is refused naming what was found.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import islice, pairwise

from pipelines.files import bounds, units
from pipelines.files.contracts import FEEDS, Column, Contract, load_contract, normalise_header
from pipelines.files.rejection import FileRejected

HEADER_SEARCH_ROWS = 30


# Labelled lines around a table: who filled it in and how to reach them, the amounts' unit,
# notes. Longest first, so 单位负责人 is not read as 负责人 nor 填报单位 as 单位.
LABELS = sorted(
    (
        "填报单位",
        "报送单位",
        "填表单位",
        "填报人",
        "填表人",
        "审核人",
        "联系电话",
        "填报日期",
        "制表人",
        "制表日期",
        "负责人",
        "单位负责人",
        "统计负责人",
        "金额单位",
        "单位",
        "注",
        "说明",
    ),
    key=len,
    reverse=True,
)
LABEL_ALTERNATIVES = "|".join(LABELS)
# A short note in brackets may stand between a label and its colon: 填报单位（盖章）：….
LABEL_NOTE = r"([(（][^)）:：]{0,8}[)）])?"
LABELLED_VALUE = re.compile(rf"(?<!\S)({LABEL_ALTERNATIVES})\s*{LABEL_NOTE}\s*[:：]\s*")


TITLE_YEAR = re.compile(r"(\d{4})\s*年")


@dataclass
class HeaderMatch:
    """Where the header is, which source column feeds each canonical column, and what the file
    says around its table.

    `row_index` is the header's first row (0-based among the file's rows) and `header_rows` how
    many rows it spans; `headers` the header text found for each column (parent/child under a
    two-row header), whose bracketed unit the typed layer applies; `width` the columns loaded.
    `title` is the first unlabelled line above the header; `metadata` the labelled lines above
    and below the table (填报单位, 填报人, 联系电话, …); `warnings` (English, Chinese) what a clerk
    should check but does not stop the file, such as a 合计 row the detail rows do not add up to.
    `header_rows` counts a unit row or a 栏次 row under the header too; `header_texts` are the
    header's own rows as found (a page's header printed again is known by them);
    `header_units` the units each column's header levels name, outermost first; `unit_line` the
    units a 单位 line above the table names; `units` the unit each column's values are in, as
    settled by `pipelines.files.reading.load_file` (None: the contract's).
    """

    row_index: int
    positions: dict[str, int]
    found: list[str]
    unknown: list[str] = field(default_factory=list)
    header_rows: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    width: int = 0
    title: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    unknown_letters: list[str] = field(default_factory=list)
    header_units: dict[str, list[str]] = field(default_factory=dict)
    header_texts: list[list[str]] = field(default_factory=list)
    units: dict[str, str | None] = field(default_factory=dict)
    unit_line: list[str] = field(default_factory=list)

    @property
    def title_year(self) -> int | None:
        """The year the title names ("2024年1-3月…情况表"), for months written without one."""
        found = TITLE_YEAR.search(unicodedata.normalize("NFKC", self.title or ""))
        return int(found.group(1)) if found else None

    @property
    def table_unit(self) -> str | None:
        """The unit a "单位：万元" line gives the table's amounts."""
        return self.metadata.get("金额单位") or self.metadata.get("单位")

    def letter(self, name: str) -> str:
        """The Excel column letter a contract column was read from."""
        return bounds.column_letters(self.positions[name] + 1)


def is_blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


# Words that qualify a measure side by side (本月/上年同期, 本年/累计, 计划/实际), longest first.
# A column whose header carries one is the contract's column only when the contract's own
# header says so too, or the word names what the column holds anyway (本月 for a month's flow,
# 本年/累计 for a year-to-date figure): 上年同期 or 自开工累计 is never taken for this month's.
QUALIFIERS = (
    ("自开工累计", "自开工"),
    ("自开工以来", "自开工"),
    ("开工以来", "自开工"),
    ("开工累计", "自开工"),
    ("累计至今", "自开工"),
    ("历年累计", "自开工"),
    ("上年同期", "上年"),
    ("去年同期", "上年"),
    ("上年同月", "上年"),
    ("比上年", "增减"),
    ("上年", "上年"),
    ("去年", "上年"),
    ("上月", "上月"),
    ("同期", "上年"),
    ("增减", "增减"),
    ("增长", "增减"),
    ("增速", "增减"),
    ("增幅", "增减"),
    ("同比", "增减"),
    ("环比", "环比"),
    ("计划", "计划"),
    ("预计", "预计"),
    ("目标", "计划"),
    ("实际", "实际"),
    ("完成", "完成"),
    ("本年度", "本年"),
    ("本年", "本年"),
    ("全年", "本年"),
    ("年度", "本年"),
    ("累计", "累计"),
    ("本月", "本月"),
    ("当月", "本月"),
    ("本期", "本期"),
)
_QUALIFIER = re.compile("|".join(q for q, _ in QUALIFIERS) + r"|\d{1,2}\s*[-—~至到]\s*\d{1,2}\s*月")
_MEANING = dict(QUALIFIERS)
# Words ending a header that do not change what it measures: 投资额 is 投资, 投资情况 is 投资.
_FILLER_END = re.compile(r"(情况|金额|额|数|值)$")
_BRACKETS = re.compile(r"[(\[（【{]([^)\]）】}]*)[)\]）】}]")


@lru_cache(maxsize=1 << 16)
def qualifiers_of(text: str) -> tuple[frozenset[str], str]:
    """The qualifying words in normalised header text, by meaning, and the text without them."""
    found = set()

    def take(word: re.Match) -> str:
        found.add(_MEANING.get(word.group(0), "累计"))  # 1-3月 is a year-to-date figure
        return ""

    stem = _QUALIFIER.sub(take, text)
    return frozenset(found), _FILLER_END.sub("", stem) or stem


def neutral_words(column: Column, contract: Contract) -> frozenset[str]:
    """Qualifiers that say what a column holds anyway: 本月 of a month's flow, 本年 and 累计 of a
    year-to-date figure, 本期 of either."""
    if column.type not in ("integer", "decimal"):
        return frozenset({"本期"})
    if column.name.endswith("_ytd") or contract.kind == "cumulative":
        return frozenset({"本期", "本年", "累计"})
    if contract.kind == "flow":
        return frozenset({"本期", "本月"})
    return frozenset({"本期"})


@dataclass(frozen=True)
class HeaderCell:
    """One column's header as drawn: its text (the path parent/child, as displayed), its levels
    normalised for matching (units dropped, a bracketed qualifier such as （上年同期） kept as a
    level of its own) and the units its levels name, outermost first."""

    text: str
    levels: tuple[str, ...]
    units: tuple[str, ...] = ()

    @cached_property
    def readings(self) -> tuple[str, str, str, frozenset[str], frozenset[str], frozenset[str], str]:
        """What matching reads, worked out once: the path top-down and bottom-up, the last level,
        the qualifiers of the levels above it and of itself, and the path's qualifiers and stem."""
        levels = self.levels
        words, stem = qualifiers_of("".join(levels))
        return (
            "".join(levels),
            "".join(reversed(levels)),
            levels[-1] if levels else "",
            qualifiers_of("".join(levels[:-1]))[0],
            qualifiers_of(levels[-1])[0] if levels else frozenset(),
            words,
            stem,
        )


@lru_cache(maxsize=1 << 16)
def clean_level(text: str) -> tuple[tuple[str, ...], str | None]:
    """A header cell's words for matching and the unit it names: 投资额（亿元） is ([投资额], 亿元),
    旅游收入（上年同期） is ([旅游收入, 上年同期], None), a unit row's 亿元 is ([], 亿元)."""
    unit = units.unit_in(text)
    if unit and units.as_unit(text):
        return (), unit
    folded = unicodedata.normalize("NFKC", units.strip_unit(text))
    # Of what brackets hold, only a qualifier (上年同期) says what the column is; a unit beside
    # it (（本月，亿元）) is the unit's, a format hint (（年/月/日）) nothing.
    kept = [
        part
        for inside in _BRACKETS.findall(folded)
        for part in re.split(r"[,，、;；\s]+", inside)
        if qualifiers_of(normalise_header(part))[0] and not units.as_unit(part)
    ]
    base = normalise_header(_BRACKETS.sub("", folded))
    return tuple(w for w in [base, *(normalise_header(k) for k in kept)] if w), unit


def header_cells(rows: list[list[str]], index: int, depth: int) -> list[HeaderCell]:
    """Each column's header over `depth` rows, as a path from the top row down.

    A parent (投资额) spans children (计划, 完成): merged (its value fills the range) or left
    blank after its first column (a CSV export of a merge), it is carried right over the
    children below it. A cell merged down (报告期 over two rows) appears once in the path.
    """
    lines = [rows[index + k] if index + k < len(rows) else [] for k in range(depth)]
    width = max(len(line) for line in lines)
    cells, carried = [], [""] * depth
    for pos in range(width):
        own = [line[pos].strip() if pos < len(line) else "" for line in lines]
        path = []
        for k in range(depth):
            if own[k]:
                carried[k] = own[k]
                carried[k + 1 :] = [""] * (depth - k - 1)
            value = own[k] or (carried[k] if any(own[k + 1 :]) else "")
            if value and (not path or path[-1] != value):
                path.append(value)
        levels, found = [], []
        for text in path:
            words, unit = clean_level(text)
            levels += [w for w in words if w not in levels]
            found += [unit] if unit else []
        shown = [t for t in path if not units.as_unit(t)]
        cells.append(HeaderCell("/".join(shown) or "/".join(path), tuple(levels), tuple(found)))
    return cells


def names_column(cell: HeaderCell, column: Column, contract: Contract) -> bool:
    """Whether a header names the contract column: its path read top-down or bottom-up (投资额
    over 计划 is 计划投资额), its last level alone under a parent that does not qualify it
    (投资情况 over 本年完成投资, not 上年同期 over 旅游收入), or the same measure qualified only
    by words the column's own header carries or that it holds anyway (旅游收入/本月; 完成投资/
    本年累计 for a year-to-date column)."""
    return cell_names(cell, meaning_of(column, contract))


# A contract column as matching reads it: its names, each name's qualifiers and stem, the
# stems, and the qualifiers it takes as said anyway.
Meaning = tuple[
    frozenset[str], tuple[tuple[frozenset[str], str], ...], frozenset[str], frozenset[str]
]


def meaning_of(column: Column, contract: Contract) -> Meaning:
    names = frozenset(column.headers())
    meanings = tuple(qualifiers_of(name) for name in names)
    return names, meanings, frozenset(stem for _, stem in meanings), neutral_words(column, contract)


def cell_names(cell: HeaderCell, meaning: Meaning) -> bool:
    """Whether a header cell names the column `meaning` reads (see `names_column`)."""
    if not cell.levels:
        return False
    names, meanings, stems, neutral = meaning
    forward, backward, leaf, outer, own, words, stem = cell.readings
    if forward in names or backward in names:
        return True
    if leaf in names and outer <= neutral | own:
        return True
    return stem in stems and any(
        stem == name_stem and named <= words | neutral and words <= named | neutral
        for named, name_stem in meanings
    )


def assign(cells: list[HeaderCell], contract: Contract) -> dict[str, int]:
    """Each contract column's source position: the first header cell naming it."""
    positions: dict[str, int] = {}
    for column in contract.columns:
        meaning = meaning_of(column, contract)
        for pos, cell in enumerate(cells):
            if pos not in positions.values() and cell_names(cell, meaning):
                positions[column.name] = pos
                break
    return positions


# A 栏次 row under a header numbers its columns (甲 乙 1 2 3…, or 栏次/序号 then 1 2 3): it is
# part of the header, not data.
_COLUMN_NUMBER = re.compile(r"^(栏次|栏号|行次|序号|[甲乙丙丁戊己庚辛壬癸]|\d{1,3})$")


def is_column_numbers(row: list[str]) -> bool:
    """Whether a row numbers the columns above it: 甲/乙 or 栏次 with numbers, or three or more
    numbers counting up by one with nothing else in the row."""
    cells = [unicodedata.normalize("NFKC", c).strip() for c in row if c and c.strip()]
    if not cells or not all(_COLUMN_NUMBER.match(c) for c in cells):
        return False
    numbers = [int(c) for c in cells if c.isdigit()]
    ascending = all(b == a + 1 for a, b in pairwise(numbers))
    if any(not c.isdigit() for c in cells):
        return len(cells) >= 2 and ascending
    return len(numbers) >= 3 and ascending


def is_unit_row(row: list[str]) -> bool:
    """Whether a row under a header gives each column's unit (亿元, 人次) and nothing else."""
    cells = [c for c in row if c and c.strip()]
    return bool(cells) and all(units.as_unit(c) for c in cells)


def is_sub_header(row: list[str]) -> bool:
    """Whether a row only qualifies the columns above it (本月, 上年同期, 本年累计, 计划/实际),
    maybe with units: a header's lower row, never data, even where it breaks a column's name."""
    cells = [c for c in row if c and c.strip()]
    return bool(cells) and all(
        only_qualifies(level) for cell in cells for level in clean_level(cell)[0]
    )


def only_qualifies(level: str) -> bool:
    """Whether header words are qualifiers alone, maybe with a filler: 本月, 上年同期数, 1-3月."""
    return bool(qualifiers_of(level)[0]) and not _FILLER_END.sub("", _QUALIFIER.sub("", level))


def merged_down(rows: list[list[str]], index: int) -> bool:
    """Whether a cell of row `index` is merged down into the next row: the same text in both."""
    if index + 1 >= len(rows):
        return False
    return any(
        top.strip() and top.strip() == below.strip()
        for top, below in zip(rows[index], rows[index + 1], strict=False)
    )


def header_layout(
    rows: list[list[str]], index: int, contract: Contract
) -> tuple[list[HeaderCell], dict[str, int], int]:
    """The header cells starting at row `index`, the contract columns they name, and how many
    rows the header spans.

    It spans two or three rows when a row below only qualifies the columns above it (本月/上年同期
    under 旅游收入), or when the rows below still name every column this row names, and more
    than they do without it, or as many where a cell is merged down (its value then repeats in
    every row it spans, so the lower row alone looks whole). A data row breaks the columns; a
    title adds nothing to the row below; a labelled line such as 单位：万元 tops no header.
    """
    cells = header_cells(rows, index, 1)
    positions = assign(cells, contract)
    depth = 1
    if LABELLED_VALUE.search("  ".join(rows[index])):
        return cells, positions, depth  # a 单位： or 填报单位： line tops no header
    for deeper in (2, 3):
        if index + deeper > len(rows):
            break
        more_cells = header_cells(rows, index, deeper)
        more = assign(more_cells, contract)
        if depth == deeper - 1 and is_sub_header(rows[index + deeper - 1]):
            cells, positions, depth = more_cells, more, deeper
            continue
        below = assign(header_cells(rows, index + 1, deeper - 1), contract)
        if (
            len(more) >= len(positions)
            and more_cells != cells
            and (len(more) > len(below) or (len(more) == len(below) and merged_down(rows, index)))
        ):
            cells, positions, depth = more_cells, more, deeper
    return cells, positions, depth


def header_at(rows: list[list[str]], index: int, contract: Contract) -> HeaderMatch | None:
    """The header starting at row `index`, or None when it lacks a required column. A row of
    units or a 栏次 row right under it belongs to the header."""
    cells, positions, depth = header_layout(rows, index, contract)
    if any(c.name not in positions for c in contract.required):
        return None
    refuse_repeated_columns(cells, positions, contract)
    furniture = []
    while index + depth < len(rows):
        row = rows[index + depth]
        if is_unit_row(row):
            cells = [
                HeaderCell(c.text, c.levels, (*c.units, units.as_unit(row[pos])))
                if pos < len(row) and units.as_unit(row[pos])
                else c
                for pos, c in enumerate(cells)
            ]
        elif not is_column_numbers(row):
            break
        furniture.append(index + depth)
        depth += 1
    texts = [c.text for c in cells]
    known = set(positions.values())
    return HeaderMatch(
        row_index=index,
        positions=positions,
        found=[t for t in texts if t],
        unknown=[t for pos, t in enumerate(texts) if t and pos not in known],
        unknown_letters=[
            bounds.column_letters(pos + 1) for pos, t in enumerate(texts) if t and pos not in known
        ],
        header_rows=depth,
        headers={name: texts[pos] for name, pos in positions.items()},
        width=max(pos for pos, t in enumerate(texts) if t) + 1,
        header_units={name: list(cells[pos].units) for name, pos in positions.items()},
        header_texts=[rows[i] for i in range(index, index + depth) if i not in furniture],
    )


def refuse_repeated_columns(
    cells: list[HeaderCell], positions: dict[str, int], contract: Contract
) -> None:
    """Reject a header where two columns name the same template column (旅游收入 twice, or
    旅游收入 beside its synonym 本月旅游收入): which one holds the figure is a guess, and taking
    the first would load the wrong one without a word."""
    for column in contract.columns:
        if column.name not in positions:
            continue
        same = [p for p, cell in enumerate(cells) if names_column(cell, column, contract)]
        if len(same) > 1:
            letters = [(bounds.column_letters(pos + 1), cells[pos].text) for pos in same]
            raise FileRejected(
                f"Columns {' and '.join(f'{c} ({text})' for c, text in letters)} all name the "
                f"template column {column.header_zh}: keep only one of them and send the file "
                "again.",
                f"{'、'.join(f'第 {c} 列（{text}）' for c, text in letters)}都对应模板列"
                f"“{column.header_zh}”：请只保留其中一列后重新报送。",
            )


def qualified_lookalikes(cells: list[HeaderCell], column: Column) -> list[tuple[str, str]]:
    """Header cells that measure what a column does but are qualified otherwise (旅游收入/上年
    同期 for 旅游收入), named with their letter, for a refusal to say which is which."""
    stems = {qualifiers_of(name)[1] for name in column.headers()}
    found = []
    for pos, cell in enumerate(cells):
        words, stem = qualifiers_of("".join(cell.levels))
        if cell.levels and words and stem in stems:
            found.append((bounds.column_letters(pos + 1), cell.text))
    return found


def template_of(rows: list[list[str]], contract: Contract) -> Contract | None:
    """Another feed whose template header the rows hold: a file dropped in the wrong feed."""
    filled = [i for i, row in enumerate(rows) if not is_blank(row)][:HEADER_SEARCH_ROWS]
    for feed in FEEDS:
        other = load_contract(feed)
        if feed == contract.feed:
            continue
        for index in filled:
            try:
                if header_at(rows, index, other):
                    return other
            except FileRejected:
                return other  # its header, with a column twice: still the other template
    return None


def match_header(rows: list[list[str]], contract: Contract) -> HeaderMatch:
    """Find the header among the first non-blank rows, or reject naming found and expected:
    each column found by its letter and header words, and a column that measures a missing one
    under another qualifier (旅游收入/上年同期) said to be what it is."""
    best: tuple[int, list[str], list[HeaderCell]] | None = None
    filled = (i for i, row in enumerate(rows) if not is_blank(row))
    for index in islice(filled, HEADER_SEARCH_ROWS):
        match = header_at(rows, index, contract)
        if match:
            return match
        cells, positions, _ = header_layout(rows, index, contract)
        missing = [c.header_zh for c in contract.required if c.name not in positions]
        if best is None or len(missing) < len(best[1]):
            best = (index, missing, cells)
    cells = best[2] if best else []
    # What a clerk needs to find the header again, and no more: a file that is no table (a
    # configuration file, a letter) must not have its lines copied into the ledger and alerts.
    found = [
        (bounds.column_letters(pos + 1), shortened(c.text)) for pos, c in enumerate(cells) if c.text
    ][:SHOWN_COLUMNS]
    missing = best[1] if best else [c.header_zh for c in contract.required]
    template = [c.header_zh for c in contract.columns]
    other = template_of(rows, contract)
    if other:
        raise FileRejected(
            f"This file looks like the {other.feed} template ({other.title_zh}), not "
            f"{contract.feed} ({contract.title_zh}): its header has "
            f"{', '.join(c.header_zh for c in other.required)}. Drop it in the "
            f"{other.feed} folder of the department that sends it.",
            f"该文件看起来是“{other.title_zh}”（{other.feed}）模板，而不是“{contract.title_zh}”"
            f"（{contract.feed}）：表头包含 {'、'.join(c.header_zh for c in other.required)}。"
            f"请放入报送单位在 {other.feed} 下的文件夹。",
        )
    lookalikes_en, lookalikes_zh = "", ""
    for column in contract.required:
        if column.header_zh not in missing:
            continue
        for letter, text in qualified_lookalikes(cells, column):
            lookalikes_en += (
                f" Column {letter} ({text}) is not {column.header_zh} as the template means it "
                "(it is qualified otherwise); give the template's figure its own column."
            )
            lookalikes_zh += (
                f"第 {letter} 列（{text}）不是模板所指的“{column.header_zh}”（口径不同），"
                "请将模板要求的数据单列填报。"
            )
    raise FileRejected(
        f"No header row with the required columns of feed {contract.feed}: missing "
        f"{', '.join(missing)}; found "
        f"{', '.join(f'{letter} ({text})' for letter, text in found) or 'no columns'}."
        f"{lookalikes_en} Use the template's headers: {', '.join(template)}, in one of the "
        f"first {HEADER_SEARCH_ROWS} filled rows.",
        f"未找到包含必填列的表头：缺少 {'、'.join(missing)}；文件中的列为 "
        f"{'、'.join(f'第 {letter} 列（{text}）' for letter, text in found) or '（无）'}。"
        f"{lookalikes_zh}请使用模板表头：{'、'.join(template)}，"
        f"并放在前 {HEADER_SEARCH_ROWS} 个非空行内。",
    )


# A refusal names at most this many of the columns found, each cut to `SHOWN_CHARS` characters.
SHOWN_COLUMNS = 16
SHOWN_CHARS = 24


def shortened(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


# Headers of a column that numbers the rows: nothing to load, nothing to warn about.
ROW_NUMBER_HEADERS = {"序号", "行号", "序", "no", "no."}


def ignored_columns(match: HeaderMatch) -> list[tuple[str, str]]:
    """A warning naming the columns the template does not know, which were not loaded: a figure
    under a header the template has no synonym for would otherwise vanish without a word."""
    letters = match.unknown_letters or [""] * len(match.unknown)
    ignored = [
        (letter, t)
        for letter, t in zip(letters, match.unknown, strict=True)
        if normalise_header(t) not in ROW_NUMBER_HEADERS
    ]
    if not ignored:
        return []
    named_en = ", ".join(f"{letter} ({t})" if letter else t for letter, t in ignored)
    named_zh = "、".join(f"第 {letter} 列（{t}）" if letter else t for letter, t in ignored)
    return [
        (
            f"Column(s) {named_en} are not in the template and were not loaded; if one "
            "holds a figure the template asks for, give it the template's header and send the "
            "file again.",
            f"{named_zh}不在模板中，未导入；如其中是模板要求填报的数据，请改用模板表头后重新报送。",
        )
    ]


def labelled_values(rows: list[list[str]]) -> dict[str, str]:
    """Labelled values in rows such as "填报人：张三  联系电话：0451-…", in one cell or several."""
    values: dict[str, str] = {}
    for row in rows:
        text = "  ".join(cell.strip() for cell in row if cell and cell.strip())
        found = list(LABELLED_VALUE.finditer(text))
        ends = [following.start() for following in found[1:]] + [len(text)]
        for label, end in zip(found, ends, strict=False):  # no labels: nothing to pair
            values.setdefault(label.group(1), text[label.end() : end].strip())
    return values
