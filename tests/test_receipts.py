"""Every file that arrives gets a receipt (回执) in its department's outbox within the same run,
in Chinese, saying no more than the ledger: accepted, partly set aside (with a workbook of the
rows, problem cells highlighted), rejected, or a duplicate. Through the real refresh job."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import duckdb
from python_calamine import CalamineWorkbook

from tests.helpers import drop_csv, run_refresh, settings_for

TOURISM = ("tourism_revenue", "culture_tourism")


def rows(count: int, bad: set[int] = frozenset()) -> list[dict]:
    """`count` March rows for 景区1…; the rows in `bad` have a negative revenue."""
    return [
        dict(period="2024-03", area=f"景区{n}", revenue_wan=-5 if n in bad else 100 + n)
        for n in range(1, count + 1)
    ]


def receipts(settings) -> dict[str, str]:
    folder = settings.outbox / "culture_tourism"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*_回执.txt"))}


def only(found: dict[str, str], part: str) -> str:
    [text] = [text for name, text in found.items() if part in name]
    return text


def test_receipts_say_what_became_of_each_file(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, as_of_date="2024-04-20")
    drop_csv(settings, *TOURISM, "三月.csv", rows(5, bad={4}))
    drop_csv(settings, *TOURISM, "二月.csv", [dict(r, period="2024-02") for r in rows(2)])
    drop_csv(settings, *TOURISM, "一月.csv", [dict(r, period="2024-01") for r in rows(3, {1, 2})])
    wrong = drop_csv(settings, "tourism_revenue", "education", "四月.csv", rows(1))
    run_refresh(settings)
    found = receipts(settings)
    assert len(found) == 3  # the file in education's folder is that department's receipt

    february = only(found, "二月")
    assert "报送单位：文化广电和旅游局" in february
    assert "报表：旅游收入情况表" in february
    assert "处理结果：已接收\n" in february
    assert "读取数据行：2 行；计入：2 行；暂不计入：0 行" in february
    assert "下一步：无需处理。" in february and "问题明细" not in february

    march = only(found, "三月")
    assert "处理结果：已接收，部分行暂不计入" in march
    assert "读取数据行：5 行；计入：4 行；暂不计入：1 行" in march
    [workbook] = (settings.outbox / "culture_tourism").glob("*三月*_问题行.xlsx")
    assert f"见同一文件夹中的“{workbook.name}”" in march

    january = only(found, "一月")  # 2 bad rows of 3: more than the 20% allowed
    assert "处理结果：已退回，未计入" in january
    assert "说明：退回：3行中有2行" in january
    assert "本单位此前已接收的数据继续有效" in january

    [education] = (settings.outbox / "education").glob("*_回执.txt")
    text = education.read_text(encoding="utf-8")
    assert "报送单位：教育局" in text and "处理结果：已退回，未计入" in text
    assert wrong.name in text

    # The workbook: the rows as read, the bad cell marked, the reason in the last column.
    sheet = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name("报送数据").to_python()
    assert sheet[0] == ["原行号", "报告期", "景区或类别", "接待游客", "旅游收入", "问题说明"]
    assert [r[:5] for r in sheet[1:]] == [
        [n + 1, "2024-03", f"景区{n}", "", "-5" if n == 4 else str(100 + n)] for n in range(1, 6)
    ]
    assert [bool(r[5]) for r in sheet[1:]] == [False, False, False, True, False]
    assert "“旅游收入”" in sheet[4][5] and "（实际为“-5”）" in sheet[4][5]
    styles = cell_styles(workbook)
    assert styles["E5"] != styles["E4"] and styles["E4"] == styles["E6"]  # only E5 marked
    assert styles["D5"] == styles["D4"]


def cell_styles(path: Path) -> dict[str, str]:
    """Each cell's style index in the first sheet, from the workbook's XML."""
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    return {
        ref: style or "0" for ref, style in re.findall(r'<c r="([A-Z]+\d+)"(?: s="(\d+)")?', xml)
    }


def test_a_receipt_is_written_once_and_a_duplicate_gets_its_own(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, as_of_date="2024-04-20")
    first = drop_csv(settings, *TOURISM, "三月.csv", rows(2))
    run_refresh(settings)
    (first.parent / "三月 - 副本.csv").write_bytes(first.read_bytes())
    run_refresh(settings)
    run_refresh(settings)
    found = receipts(settings)
    assert len(found) == 2
    copy = only(found, "三月_-_副本")
    assert "处理结果：重复报送，未重复导入" in copy and "说明：与已接收的“三月.csv”内容相同" in copy
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        # The tourism file and its copy; the deployment's plan file has its own receipt.
        (tourism,) = con.execute(
            "select count(*) from ledger.receipts as r inner join ledger.submissions as s "
            "on r.submission_id = s.submission_id where s.feed = 'tourism_revenue'"
        ).fetchone()
        assert tourism == 2
