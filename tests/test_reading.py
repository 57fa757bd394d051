"""Reading department files: whatever the encoding, layout or file type, the same rows come out.

Tier: functions on small data. Files are written the way clerks produce them (GBK from Excel,
a title row above the header, units in the header, a 合计 row) and read with
`pipelines.files.reading.load_file` + `canonical_select` into a real in-memory DuckDB.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from pipelines.files import csv_fast, csv_reader
from pipelines.files.contracts import load_contract, normalise_header
from pipelines.files.reading import canonical_select, load_file
from pipelines.files.rejection import FileRejected
from pipelines.store.warehouse import run_sql

PROJECTS = load_contract("projects")
TITLE = "哈尔滨新区2024年3月招商引资情况表"
HEADER = ["报告期", "项目编号", "项目名称", "项目类别", "协议引资额（万元）", "签约时间"]
DATA = [
    ["2024-03", "ZS-1", "松北冰雪大世界配套", "招商引资", "585", "2024-03-05"],
    ["2024-03", "ZS-2", "哈尔滨新区二号", "招商引资", "12.5", ""],
    ["合计", "", "", "", "597.5", ""],
]
SELECTED = "project_code, project_name, project_type, signed_on, contracted_amount_wan"
# Title on line 1, a blank line 2, the header on line 3: data rows are lines 4 and 5, and the
# 合计 row (line 6) is dropped. Values stay text exactly as the clerk typed them.
EXPECTED = [
    (4, "2024-03", "ZS-1", "松北冰雪大世界配套", "招商引资", "2024-03-05", "585"),
    (5, "2024-03", "ZS-2", "哈尔滨新区二号", "招商引资", None, "12.5"),
]


@pytest.fixture
def con():
    connection = duckdb.connect()
    run_sql(connection, "setup/parsers")  # load_file reads 合计 rows with them
    yield connection
    connection.close()


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def canonical(con, path: Path, contract=PROJECTS, columns: str = SELECTED) -> list[tuple]:
    """Load a file and return its canonical rows: row number, period, then `columns`."""
    match = load_file(con, path, contract, "landed")
    return con.execute(
        f"select row_number, period, {columns} from ({canonical_select(match, contract, 'landed')})"
        " order by row_number"
    ).fetchall()


def write_workbook(path: Path, *, cover: bool = False, title: bool = True) -> Path:
    """The template as a workbook: title in row 1, header in row 3, a real date, float numbers."""
    workbook = xlsxwriter.Workbook(str(path))
    if cover:
        sheet = workbook.add_worksheet("封面")
        sheet.write(0, 0, "哈尔滨新区 2024年3月 报表")
        sheet.write(1, 0, "填报单位：投资促进局")
        sheet.write(2, 0, "报告期：2024年3月")
    sheet = workbook.add_worksheet("招商引资")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    if title:
        sheet.write_string(0, 0, TITLE)
    for col, text in enumerate(HEADER):
        sheet.write_string(2, col, text)
    for offset, row in enumerate(DATA):
        for col, text in enumerate(row[:4]):
            if text:
                sheet.write_string(3 + offset, col, text)
        sheet.write_number(3 + offset, 4, float(row[4]))  # 585 is stored as the float 585.0
        if row[5]:
            sheet.write_datetime(3 + offset, 5, dt.datetime.fromisoformat(row[5]), date_format)
    workbook.close()
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_in_any_encoding_loads_the_same_rows(con, tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "招商.csv", [[TITLE], [], HEADER, *DATA], encoding)
    assert canonical(con, path) == EXPECTED


def test_header_is_found_below_title_and_blank_rows(con, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "招商.csv", [[TITLE], [], HEADER, *DATA])
    match = load_file(con, path, PROJECTS, "landed")
    assert match.row_index == 2
    assert match.positions == {
        "period": 0,
        "project_code": 1,
        "project_name": 2,
        "project_type": 3,
        "contracted_amount_wan": 4,
        "signed_on": 5,
    }


def test_synonyms_and_units_in_headers_map_to_canonical_names(con, tmp_path: Path) -> None:
    contract = load_contract("enterprise_registrations")
    header = ["统计期", "信用代码", "市场主体名称", "事项", "登记日期", "行业（门类）", "备注"]
    row = ["2024-03", "91350100M000100Y43", "某科技有限公司", "新登记", "2024-03-05", "软件", "x"]
    path = write_csv(tmp_path / "登记.csv", [header, row])
    match = load_file(con, path, contract, "landed")
    assert match.positions == {
        "period": 0,
        "credit_code": 1,
        "enterprise_name": 2,
        "event_type": 3,
        "event_date": 4,
        "industry": 5,
    }
    assert match.unknown == ["备注"]
    columns = "credit_code, enterprise_name, event_type, event_date, industry"
    assert canonical(con, path, contract, columns) == [
        (2, "2024-03", "91350100M000100Y43", "某科技有限公司", "新登记", "2024-03-05", "软件")
    ]


def test_bracketed_units_and_project_synonyms(con, tmp_path: Path) -> None:
    header = [
        "报告月份",
        "项目代码",
        "项目名称",
        "项目类型",
        "协议投资额(万元)",
        "实际到位资金【万元】",
    ]
    path = write_csv(tmp_path / "招商.csv", [header, ["2024-03", "A", "甲", "招商引资", "1", "2"]])
    columns = "project_code, contracted_amount_wan, utilised_capital_ytd_wan"
    assert canonical(con, path, PROJECTS, columns) == [(2, "2024-03", "A", "1", "2")]


@pytest.mark.parametrize(
    "label",
    [
        "合计", "小计", "总计", " 合计 ", "合 计", "合计：", "总 计", "全区合计", "本月小计",
        # 共计 and 汇总 (Excel's own total row), a longer or Latin-lettered prefix, a note after
        "共计", "汇总", "汇 总", "哈尔滨新区合计", "A级景区小计", "合计（全区）",
        "全区总计（含乡村游）", "乡村旅游点小计：",
    ],
)  # fmt: skip
def test_total_rows_are_dropped(con, tmp_path: Path, label: str) -> None:
    rows = [HEADER, DATA[0], [label, "", "", "", "585", ""]]
    path = write_csv(tmp_path / "招商.csv", rows)
    assert [r[2] for r in canonical(con, path)] == ["ZS-1"]


def test_data_below_the_end_of_table_mark_is_refused_naming_both_rows(con, tmp_path: Path) -> None:
    """以下空白 ends the table: a row of data below it (last year's block, a draft kept below)
    is refused naming both rows; a page's own mark (本页以下空白) ends a page, not the table."""
    rows = [HEADER, DATA[0], ["以下空白", "", "", "", "", ""], DATA[1]]
    path = write_csv(tmp_path / "招商.csv", rows)
    with pytest.raises(FileRejected) as refused:
        load_file(con, path, PROJECTS, "landed")
    assert refused.value.message_zh == (
        "第3行为表格结束标记（以下空白等），但其下方第4行仍有数据。请删除标记下方的行，或把标记"
        "移到最后一行数据之后，再重新报送。本文件未导入任何数据。"
    )
    rows[2][0] = "本页以下空白"
    path = write_csv(tmp_path / "招商2.csv", rows)
    assert [r[2] for r in canonical(con, path)] == ["ZS-1", "ZS-2"]


def test_total_row_spaced_with_ideographic_space_is_dropped(con, tmp_path: Path) -> None:
    rows = [HEADER, DATA[0], ["合\u3000计", "", "", "", "585", ""]]
    path = write_csv(tmp_path / "招商.csv", rows)
    assert [r[2] for r in canonical(con, path)] == ["ZS-1"]


def test_missing_required_column_is_rejected_naming_it_and_what_was_found(
    con, tmp_path: Path
) -> None:
    rows = [["报告期", "项目名称", "项目类别"], ["2024-03", "甲", "招商引资"]]
    path = write_csv(tmp_path / "招商.csv", rows)
    with pytest.raises(FileRejected) as rejected:
        load_file(con, path, PROJECTS, "landed")
    assert "missing 项目编号;" in rejected.value.message_en
    assert "found A (报告期), B (项目名称), C (项目类别)." in rejected.value.message_en
    assert "缺少 项目编号；" in rejected.value.message_zh
    assert (
        "文件中的列为 第 A 列（报告期）、第 B 列（项目名称）、第 C 列（项目类别）。"
        in rejected.value.message_zh
    )


def test_workbook_loads_the_same_text_as_the_csv(con, tmp_path: Path) -> None:
    # The date cell comes out ISO ("2024-03-05") and the float 585.0 as "585", as in the CSV.
    assert canonical(con, write_workbook(tmp_path / "招商.xlsx")) == EXPECTED


def test_workbook_sheet_is_found_by_its_headers_behind_a_cover_sheet(con, tmp_path: Path) -> None:
    assert canonical(con, write_workbook(tmp_path / "招商.xlsx", cover=True)) == EXPECTED


def test_workbook_row_numbers_are_excel_rows_without_a_title(con, tmp_path: Path) -> None:
    rows = canonical(con, write_workbook(tmp_path / "招商.xlsx", title=False))
    assert [r[0] for r in rows] == [4, 5]


def test_csv_row_numbers_are_source_lines_after_an_empty_line(con, tmp_path: Path) -> None:
    path = tmp_path / "招商.csv"
    path.write_text(
        "报告期,项目编号,项目名称,项目类别\n2024-03,A,甲,招商引资\n\n2024-03,C,丙,招商引资\n",
        encoding="utf-8",
    )
    assert [(r[0], r[2]) for r in canonical(con, path)] == [(2, "A"), (4, "C")]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        pytest.param(
            # Excel writes a cell typed with Alt+Enter as a quoted field holding a line break.
            '报告期,项目编号,项目名称,项目类别\n2024-03,A,"一期\n二期",招商引资\n2024-03,B,乙,招商引资\n',
            ["A", "B"],
            id="line-break-in-quoted-cell",
        ),
        pytest.param(
            "报告期,项目编号,项目名称,项目类别,协议引资额\n"
            "2024-03,A,甲,招商引资,5\n2024-03,B,乙,招商引资\n",
            ["A", "B"],
            id="row-with-fewer-cells",
        ),
        pytest.param(
            "报告期,项目编号,项目名称,项目类别\n2024-03,A,甲,招商引资\n2024-03,B,乙,招商引资,备注\n",
            ["A", "B"],
            id="row-with-more-cells",
        ),
        pytest.param(
            '报告期,项目编号,项目名称,项目类别\n2024-03,A,"甲\r",招商引资\n2024-03,B,乙,招商引资\n',
            ["A", "B"],
            id="carriage-return-in-quoted-cell",
        ),
    ],
)
def test_awkward_but_readable_csv_loads(con, tmp_path: Path, text: str, codes: list[str]) -> None:
    path = tmp_path / "招商.csv"
    path.write_text(text, encoding="utf-8")
    assert [r[2] for r in canonical(con, path)] == codes


# An Excel CSV export: every row padded to the table's width, line breaks \r\n (csv.writer's).
EXPORT = [
    [TITLE, "", "", "", "", ""],
    HEADER,
    ["2024-03", "ZS-1", "松北冰雪大世界配套", "招商引资", "585", "2024-03-05"],
    ["2024-03", "ZS-2", "一期，二期, 三期", "招商引资", "12.5", ""],
    ["", "", "", "", "", ""],
    ["\u3000", " ", "", "", "", ""],
    ["合计", "", "", "", "597.5", ""],
    ["填报人：张三", "联系电话：0451-58761234", "", "", "", ""],
]


def landed(con, path: Path) -> tuple:
    """Everything `load_file` leaves: the loaded rows of every kind, the title, the labelled lines
    and the warnings."""
    match = load_file(con, path, PROJECTS, "landed")
    cells = ", ".join(f"c{i}" for i in range(match.width))
    rows = con.execute(f"select row_number, {cells}, row_kind from landed order by row_number")
    return rows.fetchall(), match.title, match.metadata, match.warnings


@pytest.fixture
def duckdb_reads(monkeypatch) -> list[bool]:
    """Whether DuckDB's read of each plain file was kept, in order."""
    kept: list[bool] = []
    read = csv_fast.PlainCsv.land

    def spied(self, *args) -> str | None:
        rows = read(self, *args)
        kept.append(rows is not None)
        return rows

    monkeypatch.setattr(csv_fast.PlainCsv, "land", spied)
    return kept


def python_path(con, path: Path, monkeypatch) -> tuple:
    """`landed` as the Python path alone reads the file."""
    with monkeypatch.context() as patch:
        patch.setattr(csv_fast, "plain_csv", lambda *args: None)
        return landed(con, path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_plain_csv_is_read_by_duckdb_into_the_rows_the_python_path_gives(
    con, tmp_path: Path, monkeypatch, duckdb_reads: list[bool], encoding: str
) -> None:
    path = write_csv(tmp_path / "招商.csv", EXPORT, encoding)
    with monkeypatch.context() as patch:
        patch.setattr(csv_reader, "write_records", None)  # the Python path would fail
        fast = landed(con, path)
    assert duckdb_reads == [True]
    assert fast == python_path(con, path, monkeypatch)
    rows, title, metadata, warnings = fast
    assert rows == [
        (3, *EXPORT[2], "data"),
        (4, *EXPORT[3][:5], None, "data"),
        (7, "合计", None, None, None, "597.5", None, "total"),
        (8, "填报人：张三", "联系电话：0451-58761234", None, None, None, None, "footer"),
    ]
    assert (title, metadata, warnings) == (
        TITLE,
        {"填报人": "张三", "联系电话": "0451-58761234"},
        [],
    )


DATA_LINES = "".join(f"2024-03,ZS-{n},松北冰雪大世界配套项目,招商引资\n" for n in range(3000))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(DATA_LINES + "2024-03,ZS-X,项目\n" + DATA_LINES, id="ragged-row"),
        pytest.param(DATA_LINES + '2024-03,ZS-X, "项目",招商引资\n', id="space-before-quote"),
        pytest.param(DATA_LINES + '2024-03,ZS-X,"一期\n二期",招商引资\n', id="line-break-in-cell"),
        pytest.param(DATA_LINES + "\n" + DATA_LINES, id="blank-line"),
        pytest.param(DATA_LINES + "2024-03,ZS-X,项目,招商引资\r\n", id="mixed-line-breaks"),
        pytest.param(
            DATA_LINES + "\ufeff2024-03,ZS-X,项目,招商引资\n", id="second-byte-order-mark"
        ),
    ],
)
def test_csv_duckdb_may_read_otherwise_gets_the_python_paths_rows(
    con, tmp_path: Path, monkeypatch, text: str
) -> None:
    path = tmp_path / "招商.csv"
    path.write_bytes(("\ufeff报告期,项目编号,项目名称,项目类别\n" + text).encode())
    con.execute("begin transaction")  # as ingest loads a file: DuckDB's refusal must not abort it
    assert landed(con, path) == python_path(con, path, monkeypatch)
    con.execute("commit")


def test_quote_never_closed_deep_in_a_plain_csv_gets_the_python_paths_message(
    con, tmp_path: Path, duckdb_reads: list[bool]
) -> None:
    path = tmp_path / "招商.csv"
    path.write_text(
        "报告期,项目编号,项目名称,项目类别\n" + DATA_LINES + '2024-03,"ZS-X,项目,招商引资\n',
        encoding="utf-8",
    )
    con.execute("begin transaction")
    with pytest.raises(FileRejected) as rejected:
        load_file(con, path, PROJECTS, "landed")
    assert duckdb_reads == [False]
    assert rejected.value.message_en.startswith("The CSV cannot be read from line 3002 on")
    con.execute("rollback")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param(
            '报告期,项目编号,项目名称,项目类别\n2024-03,A,"甲,招商引资\n2024-03,B,乙,招商引资\n',
            2,
            id="quote-never-closed",
        ),
        pytest.param(
            '报告期,项目编号,项目名称,项目类别\n2024-03,A,甲,招商引资\n2024-03,"B"2,乙,招商引资\n',
            3,
            id="text-after-closing-quote",
        ),
    ],
)
def test_broken_quoting_is_rejected_naming_the_line(
    con, tmp_path: Path, text: str, line: int
) -> None:
    path = tmp_path / "招商.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FileRejected) as rejected:
        load_file(con, path, PROJECTS, "landed")
    assert rejected.value.message_en.startswith(f"The CSV cannot be read from line {line} on")
    assert rejected.value.message_zh.startswith(f"该 CSV 文件从第{line}行起无法读取")


def test_bad_bytes_past_the_sniffed_start_are_rejected_naming_the_line(con, tmp_path: Path) -> None:
    # 3,000 good lines (past the 64 KiB the encoding is guessed from), then a line of junk.
    rows = "".join(f"2024-03,ZS-{n},松北冰雪大世界配套项目,招商引资\n" for n in range(3000))
    path = tmp_path / "招商.csv"
    path.write_bytes(("报告期,项目编号,项目名称,项目类别\n" + rows).encode() + b"\xff\xfe,x\n")
    with pytest.raises(FileRejected) as rejected:
        load_file(con, path, PROJECTS, "landed")
    assert rejected.value.message_en.startswith("Line 3002 is not valid UTF-8 text")
    assert rejected.value.message_zh.startswith("第3002行不是有效的 UTF-8 文本")


def test_unsupported_file_type_is_rejected(con, tmp_path: Path) -> None:
    path = tmp_path / "招商.pdf"
    path.write_bytes(b"%PDF-1.7\n")
    with pytest.raises(FileRejected) as rejected:
        load_file(con, path, PROJECTS, "landed")
    assert rejected.value.message_en == (
        "Files of type '.pdf' are not accepted; send .xlsx, .xls or .csv."
    )
    assert "“.pdf”" in rejected.value.message_zh


def test_binary_bytes_named_csv_are_rejected_as_not_text(con, tmp_path: Path) -> None:
    path = tmp_path / "招商.csv"
    path.write_bytes(bytes(range(255, -1, -1)) * 16)  # every byte value, 0xFF first
    with pytest.raises(FileRejected) as rejected:
        load_file(con, path, PROJECTS, "landed")
    assert rejected.value.message_en.startswith("The file is neither UTF-8 nor GBK text")
    assert rejected.value.message_zh.startswith("文件既不是 UTF-8 也不是 GBK 编码的文本")


def test_unreadable_workbook_is_rejected(con, tmp_path: Path) -> None:
    path = tmp_path / "招商.xlsx"
    path.write_bytes(b"not a zip archive")
    with pytest.raises(FileRejected) as rejected:
        load_file(con, path, PROJECTS, "landed")
    assert rejected.value.message_en.startswith("The workbook cannot be opened")


@pytest.mark.parametrize(
    ("header", "normalised"),
    [
        ("协议引资额（万元）", "协议引资额"),
        ("协议引资额(万元)", "协议引资额"),
        ("协议引资额 [万元]", "协议引资额"),
        ("实际到位资金【万元】", "实际到位资金"),
        (" 报告 期 ", "报告期"),
        ("项目\u3000编号", "项目编号"),
        ("项目\n编号", "项目编号"),
        ("ＧＤＰ", "gdp"),
        ("Revenue (USD)", "revenue"),
        ("", ""),
    ],
)
def test_normalise_header(header: str, normalised: str) -> None:
    assert normalise_header(header) == normalised


def test_a_long_plain_csv_is_read_in_parallel_and_each_row_keeps_its_line(
    con, tmp_path: Path, duckdb_reads: list[bool]
) -> None:
    """DuckDB reads a plain file on every thread into a Parquet file that a view reads back; a
    row's number is its position there. 400,000 rows (about 20 MB) span many of the reader's
    blocks and the file's row groups: each row's code names its own line (header on line 1),
    and a blank row (line 7) and a row of spaces (line 200,000) are left out, as the Python
    path leaves them out. No row is hinted to be other than data, so `landed` stays a view."""
    path = tmp_path / "招商.csv"
    lines = [f"2024-03,ZS-{line},项目{line},招商引资\n" for line in range(2, 400_002)]
    lines[7 - 2] = ",,,\n"
    lines[200_000 - 2] = " ,\u3000,,\n"
    path.write_text("报告期,项目编号,项目名称,项目类别\n" + "".join(lines), encoding="utf-8")
    contract = load_contract("projects")
    con.execute("set threads = 2")
    (tmp_path / "rows").mkdir()
    match = load_file(con, path, contract, "landed", tmp_path / "rows")
    assert duckdb_reads == [True]
    assert [p.name for p in (tmp_path / "rows").iterdir()] == ["landed.parquet"]
    (kind,) = con.execute(
        "select table_type from information_schema.tables where table_name = 'landed'"
    ).fetchone()
    assert kind == "VIEW"
    rows = con.execute(
        f"select row_number, project_code from ({canonical_select(match, contract, 'landed')})"
    ).fetchall()
    assert len(rows) == 400_000 - 2
    assert all(code == f"ZS-{line}" for line, code in rows)
    assert {7, 200_000}.isdisjoint(line for line, _ in rows)
