"""Who sent a file: the folder it was dropped in against what the file itself says.

A department folder is the sender the ledger records, but clerks copy each other's workbooks and
drop files for colleagues: a market-regulation folder holding a file titled 科技和工业信息化局…
or signed 填报单位：哈尔滨新区发改局, or holding 高企认定 rows (which only the science and
technology bureau reports), would credit one department with another's figures, or hide them
under a department whose scorecard never reads them. Such a file is refused naming both: the
folder's department and the department the file names, or the kinds of row found.

Departments are named in full (catalog/departments.csv) or by the short names in daily use
(`SHORT_NAMES`: 发改局 for 发展和改革局, 市场监管局 for 市场监督管理局). A title or 填报单位 that
names no department (哈尔滨新区管委会) says nothing about the sender and is not checked.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache

import duckdb

from pipelines.files import bounds
from pipelines.files.contracts import Contract
from pipelines.files.rejection import FileRejected
from pipelines.settings import CATALOG_ROOT
from pipelines.store import raw_files
from pipelines.store.warehouse import quote_identifier

# Short names each department is called by in titles and signatures, besides its catalog name.
# Only names ending in 局 or 委, so ordinary words in a title (市场, 教育, 统计) never match.
SHORT_NAMES = {
    "investment": ("投促局", "投资促进局"),
    "development_reform": ("发改局", "发改委", "发展改革局", "发展改革委", "发展和改革委员会"),
    "science_technology": (
        "科工信局",
        "科技局",
        "工信局",
        "科信局",
        "科技和工信局",
        "工业和信息化局",
    ),
    "market_regulation": ("市场监管局", "市监局", "市场监督局"),
    "commerce": ("商务局",),
    "human_resources": ("人社局", "人力社保局", "人力资源社会保障局"),
    "culture_tourism": ("文旅局", "文广旅局", "文广旅游局", "文化旅游局", "文化和旅游局"),
    "education": ("教育局", "教体局", "教育和体育局"),
    "finance": ("财政局",),
    "statistics": ("统计局",),
    "agriculture": ("农业局", "农业农村局", "农委"),
}
# The labelled lines above or below a table that name the sending unit.
SENDER_LABELS = ("填报单位", "报送单位", "填表单位")
SHOWN_ROWS = 5


@cache
def department_names() -> dict[str, str]:
    """Each department's Chinese name by code, from the catalog."""
    with open(CATALOG_ROOT / "departments.csv", encoding="utf-8", newline="") as handle:
        return {row["department_code"]: row["name_zh"] for row in csv.DictReader(handle)}


def folded(text: str) -> str:
    """Full-width forms folded, spaces dropped: 发 改 局 and 发改局 are one name."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def named_departments(text: str) -> set[str]:
    """The departments a title or signature names, by full or short name."""
    found = folded(text)
    return {
        code
        for code, name in department_names().items()
        if any(folded(n) in found for n in (name, *SHORT_NAMES.get(code, ())))
    }


def refuse_other_sender(
    folder: str, title: str | None, metadata: dict[str, str], contract: Contract
) -> None:
    """Refuse a file whose title or 填报单位 names departments, none of them the folder's."""
    names = department_names()
    places = [("title", "标题", title or "")] + [
        (label, label, metadata[label]) for label in SENDER_LABELS if label in metadata
    ]
    for place_en, place_zh, text in places:
        named = named_departments(text)
        if not named or folder in named:
            continue
        others = sorted(named)
        others_en = ", ".join(f"{names[c]} ({c})" for c in others)
        others_zh = "、".join(names[c] for c in others)
        own = names.get(folder, folder)
        raise FileRejected(
            f"The file was dropped in the folder of {own} ({folder}), but its {place_en} "
            f"({text.strip()}) names {others_en}. A department sends only its own figures: "
            f"if the file is {others_en}'s, drop it in {contract.feed}/{others[0]}; if it is "
            f"{own}'s, correct the {place_en} and send it again. Nothing from this file was "
            "loaded.",
            f"该文件放在“{own}”（{folder}）的文件夹中，但其{place_zh}（{text.strip()}）写的是"
            f"“{others_zh}”。各单位只报送本单位数据：如文件属于{others_zh}，请放入 "
            f"{contract.feed}/{others[0]} 文件夹；如属于{own}，请更正{place_zh}后重新报送。"
            "本文件未导入任何数据。",
        )


def refuse_other_kinds(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    folder: str,
    positions: dict[str, int],
) -> None:
    """Refuse a file holding rows of a kind (事项类型, 指标代码) its department does not report:
    the arriving rows (`arriving_rows`) are read.

    Only kinds the contract allows are held against the department: a value the contract does
    not know at all is the suite's finding on its row, not a question of who sent it.
    """
    column = contract.sends_column
    own = contract.sent_by(folder)
    if column is None or own is None or column not in positions:
        return
    letter = bounds.column_letters(positions[column] + 1)
    spec = next(c for c in contract.columns if c.name == column)
    header = spec.header_zh
    theirs = {kind.lower(): kind for kind in spec.allowed if kind not in own}
    if not theirs:
        return
    # A kind given by its label (地区生产总值) is the kind it names (gdp).
    kind_sql = f"lower(trim({spec.coded(quote_identifier(column))}))"
    # Only rows of another department's kind are gathered: a clean file aggregates nothing.
    found = con.execute(
        f"select {kind_sql} as kind, count(*), "
        f"list(row_number order by row_number)[1:{SHOWN_ROWS}] "
        f"from {raw_files.ARRIVING} where list_contains(?, {kind_sql}) "
        "group by kind order by min(row_number)",
        [list(theirs)],
    ).fetchall()
    if not found:
        return
    others = [(theirs[kind], first) for kind, _, first in found]
    total = sum(count for _, count, _ in found)
    name = department_names().get(folder, folder)
    rows = sorted(row for _, numbers in others for row in numbers)
    shown = [str(row) for row in rows[:SHOWN_ROWS]]
    more = total - len(shown)
    rows_en = ", ".join(shown) + (f" and {more} more" if more else "")
    rows_zh = "、".join(shown) + (f"等{total}" if more else "")
    kinds_en = ", ".join(kind for kind, _ in others)
    kinds_zh = "、".join(f"“{kind}”" for kind, _ in others)
    raise FileRejected(
        f"Row(s) {rows_en} have {header} (column {letter}) {kinds_en}, which {name} ({folder}) "
        f"does not report: it reports {', '.join(own)}. Rows of another department's kind are "
        "that department's to send; delete them (or drop the file in the folder of the "
        "department that reports them) and send it again. Nothing from this file was loaded.",
        f"第{rows_zh}行的{header}（{letter} 列）为{kinds_zh}，不是本单位（{name}）报送的类型"
        f"（本单位报送：{'、'.join(own)}）。请删除这些行（或将文件放入报送该类型的单位的文件夹）后重新报送。"
        "本文件未导入任何数据。",
    )
