"""Find a department file's header by its contents and read the lines around its table.

A header may sit below a title and blank rows and span two rows (a parent over its
sub-columns); each template column is matched by its Chinese header or a synonym, and a header
that names one column twice, or another feed's template, is refused naming what was found.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import islice

from pipelines.files import bounds
from pipelines.files.contracts import FEEDS, Contract, load_contract, normalise_header
from pipelines.files.rejection import FileRejected

HEADER_SEARCH_ROWS = 30


# Labelled lines around a table: who filled it in and how to reach them, the amounts' unit,
# notes. Longest first, so 单位负责人 is not read as 负责人 nor 填报单位 as 单位.
LABELS = sorted(
    (
        "填报单位",
        "填报人",
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
LABELLED_VALUE = re.compile(rf"(?<!\S)({LABEL_ALTERNATIVES})\s*[:：]\s*")


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

    @property
    def title_year(self) -> int | None:
        """The year the title names ("2024年1-3月…情况表"), for months written without one."""
        found = TITLE_YEAR.search(unicodedata.normalize("NFKC", self.title or ""))
        return int(found.group(1)) if found else None

    @property
    def table_unit(self) -> str | None:
        """The unit a "单位：万元" line gives the table's amounts."""
        return self.metadata.get("金额单位") or self.metadata.get("单位")


def is_blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def header_cells(rows: list[list[str]], index: int, depth: int) -> list[tuple[str, tuple]]:
    """Each column's header text as displayed and the names it may match, over `depth` rows.

    Under a two-row header a parent (投资额) spans children (计划, 完成): merged or left blank
    after its first column, it is carried right over the children. A column is matched by
    parent+child, child+parent or the child alone (报告期 merged down has no child).
    """
    top = rows[index]
    below = rows[index + 1] if depth == 2 else []
    width = max(len(top), len(below))
    cells, parent = [], ""
    for pos in range(width):
        child = below[pos].strip() if pos < len(below) else ""
        own = top[pos].strip() if pos < len(top) else ""
        parent = own or (parent if child else "")
        p, c = normalise_header(parent), normalise_header(child)
        if p and c and p != c:
            cells.append((f"{parent}/{child}", (p + c, c + p, c)))
        else:
            cells.append((parent or child, (p or c,)))
    return cells


def assign(cells: list[tuple[str, tuple]], contract: Contract) -> dict[str, int]:
    """Each contract column's source position: the first header cell naming it."""
    positions: dict[str, int] = {}
    for column in contract.columns:
        names = set(column.headers())
        for pos, (_, options) in enumerate(cells):
            if pos not in positions.values() and any(o and o in names for o in options):
                positions[column.name] = pos
                break
    return positions


def header_at(rows: list[list[str]], index: int, contract: Contract) -> HeaderMatch | None:
    """The header starting at row `index`, or None when it lacks a required column.

    It spans two rows only when the second row's sub-headers name more columns together with
    this row than either row does alone: a title or a 报告期 merged down adds nothing.
    """
    cells = header_cells(rows, index, 1)
    positions = assign(cells, contract)
    depth = 1
    if index + 1 < len(rows):
        two_cells = header_cells(rows, index, 2)
        two = assign(two_cells, contract)
        below = assign(header_cells(rows, index + 1, 1), contract)
        if len(two) > max(len(positions), len(below)):
            cells, positions, depth = two_cells, two, 2
    if any(c.name not in positions for c in contract.required):
        return None
    refuse_repeated_columns(cells, positions, contract)
    texts = [text for text, _ in cells]
    known = set(positions.values())
    return HeaderMatch(
        row_index=index,
        positions=positions,
        found=[t for t in texts if t],
        unknown=[t for pos, t in enumerate(texts) if t and pos not in known],
        header_rows=depth,
        headers={name: texts[pos] for name, pos in positions.items()},
        width=max(pos for pos, t in enumerate(texts) if t) + 1,
    )


def refuse_repeated_columns(
    cells: list[tuple[str, tuple]], positions: dict[str, int], contract: Contract
) -> None:
    """Reject a header where two columns name the same template column (旅游收入 twice, or
    旅游收入 beside its synonym 本月旅游收入): which one holds the figure is a guess, and taking
    the first would load the wrong one without a word."""
    for column in contract.columns:
        if column.name not in positions:
            continue
        names = set(column.headers())
        same = [p for p, (_, options) in enumerate(cells) if any(o and o in names for o in options)]
        if len(same) > 1:
            letters = [(bounds.column_letters(pos + 1), cells[pos][0]) for pos in same]
            raise FileRejected(
                f"Columns {' and '.join(f'{c} ({text})' for c, text in letters)} all name the "
                f"template column {column.header_zh}: keep only one of them and send the file "
                "again.",
                f"{'、'.join(f'第 {c} 列（{text}）' for c, text in letters)}都对应模板列"
                f"“{column.header_zh}”：请只保留其中一列后重新报送。",
            )


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
    """Find the header among the first non-blank rows, or reject naming found and expected."""
    best: tuple[int, list[str]] | None = None
    filled = (i for i, row in enumerate(rows) if not is_blank(row))
    for index in islice(filled, HEADER_SEARCH_ROWS):
        match = header_at(rows, index, contract)
        if match:
            return match
        positions = assign(header_cells(rows, index, 1), contract)
        missing = [c.header_zh for c in contract.required if c.name not in positions]
        if best is None or len(missing) < len(best[1]):
            best = (index, missing)
    found = [c for c in rows[best[0]] if c.strip()] if best else []
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
    raise FileRejected(
        f"No header row with the required columns of feed {contract.feed}: missing "
        f"{', '.join(missing)}; found {', '.join(found) or 'no columns'}. "
        f"Use the template's headers: {', '.join(template)}, in one of the first "
        f"{HEADER_SEARCH_ROWS} filled rows.",
        f"未找到包含必填列的表头：缺少 {'、'.join(missing)}；文件中的列为 "
        f"{'、'.join(found) or '（无）'}。请使用模板表头：{'、'.join(template)}，"
        f"并放在前 {HEADER_SEARCH_ROWS} 个非空行内。",
    )


# Headers of a column that numbers the rows: nothing to load, nothing to warn about.
ROW_NUMBER_HEADERS = {"序号", "行号", "序", "no", "no."}


def ignored_columns(match: HeaderMatch) -> list[tuple[str, str]]:
    """A warning naming the columns the template does not know, which were not loaded: a figure
    under a header the template has no synonym for would otherwise vanish without a word."""
    ignored = [t for t in match.unknown if normalise_header(t) not in ROW_NUMBER_HEADERS]
    if not ignored:
        return []
    return [
        (
            f"Column(s) {', '.join(ignored)} are not in the template and were not loaded; if one "
            "holds a figure the template asks for, give it the template's header and send the "
            "file again.",
            f"列 {'、'.join(ignored)} 不在模板中，未导入；如其中是模板要求填报的数据，请改用模板"
            "表头后重新报送。",
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
