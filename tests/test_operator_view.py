"""A rejection is visible where the operator looks (issue 14.1): the feed's `gx_suite` check in the
Dagster UI names every file of the run (department in Chinese, file, status, rows, first reasons
in English and Chinese), keeps failing while a rejected file waits for its department's accepted
correction of the same period, and the run that rejected a file carries the tag `rejected=N`.

The first test drives the real webserver and daemon (`workplan ui`, started once for the module)
and reads what the UI shows through its GraphQL API; the others hold the ledger's rule for "made
good" against files received through the real path, without Dagster.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from pipelines.checks.validation import validate_submissions
from pipelines.store.ingest import prepare, receive_feed
from pipelines.store.ledger import outstanding_rejections, pending, record_verdict
from tests.helpers import (
    drop_csv,
    graphql,
    receive_plan,
    runs_of,
    settings_for,
    wait_for,
    workplan_ui,
)

TOURISM = "tourism_revenue"
DEPARTMENT = "culture_tourism"
DEPARTMENT_ZH = "文化广电和旅游局"  # catalog/departments.csv
JOB = f"ingest_{TOURISM}"
HEADERS = ["报告期", "景区或类别", "接待游客", "旅游收入"]

# Rows 2 and 3 of the March workbook: the second's revenue typed as a note, not a figure.
MARCH_EN = (
    "Rejected: 1 of 2 rows (50%) break the rules, more than the 20% allowed. Fix and resend: "
    "row 3, column D (旅游收入): 旅游收入 must be a number (found '待核实')"
)
MARCH_ZH = (
    "退回：2行中有1行（50%）不符合要求，超过允许的20%。请修改后重新报送："
    "第3行 D 列（旅游收入）：“旅游收入”应为数字（实际为“待核实”）"
)
UNREADABLE_EN = (
    "The workbook cannot be opened: the file is named .xlsx but its content is not an Excel "
    "workbook (not a zip archive)."
)
UNREADABLE_ZH = "无法打开该工作簿：文件扩展名为 .xlsx，但内容不是 Excel 工作簿（不是压缩包格式）"


def workbook(rows: list[list], sheet: str) -> bytes:
    """A clerk's .xlsx: 报告期 typed as 2024-03 (Excel keeps a date shown as yyyy-mm), revenue
    with a thousands format."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    month = book.add_format({"num_format": "yyyy-mm"})
    money = book.add_format({"num_format": "#,##0.00"})
    bold = book.add_format({"bold": True})
    page = book.add_worksheet(sheet)
    page.write_row(0, 0, HEADERS, bold)
    for number, (period, area, visitors, revenue) in enumerate(rows, start=1):
        page.write_datetime(number, 0, dt.datetime.strptime(period, "%Y-%m"), month)
        page.write_string(number, 1, area)
        page.write_number(number, 2, visitors)
        if isinstance(revenue, str):
            page.write_string(number, 3, revenue)
        else:
            page.write_number(number, 3, revenue, money)
    book.close()
    return buffer.getvalue()


MARCH_BAD = workbook(
    [["2024-03", "太阳岛", 1200, 88.5], ["2024-03", "冰雪大世界", 3000, "待核实"]], "3月"
)
# A February workbook cut off half-way while being copied to the shared folder.
FEBRUARY_CUT = workbook([["2024-02", "太阳岛", 1000, 70.25]], "2月")[:1500]


LAUNCH = (
    'mutation { launchRun(executionParams: {selector: {repositoryLocationName: "workplan", '
    'repositoryName: "__repository__", jobName: "JOB"}}) '
    "{ __typename ... on PythonError { message } } }"
)


def check_executions(port: int) -> dict[str, dict]:
    """The feed's gx_suite check executions by run id, as the UI's asset check tab shows them:
    passed or not, severity, description, and its metadata (tables as lists of rows)."""
    query = (
        '{ assetCheckExecutions(assetKey: {path: ["raw", "FEED"]}, checkName: "gx_suite", '
        "limit: 20) { runId status evaluation { success severity description "
        "metadataEntries { label ... on TableMetadataEntry { table { records "
        "schema { columns { name } } } } ... on IntMetadataEntry { intValue } } } } }"
    )
    executions = graphql(port, query.replace("FEED", TOURISM))["assetCheckExecutions"]
    found = {}
    for execution in executions:
        evaluation = execution["evaluation"]
        if evaluation is None:
            continue
        metadata = {}
        for entry in evaluation["metadataEntries"]:
            if "table" in entry:
                columns = [c["name"] for c in entry["table"]["schema"]["columns"]]
                records = [json.loads(r) for r in entry["table"]["records"]]
                assert all(sorted(r) == sorted(columns) for r in records)
                metadata[entry["label"]] = records
            elif "intValue" in entry:
                metadata[entry["label"]] = entry["intValue"]
        found[execution["runId"]] = {
            "success": evaluation["success"],
            "severity": evaluation["severity"],
            "description": evaluation["description"],
            **metadata,
        }
    return found


def finished_runs(port: int, count: int) -> list[dict] | None:
    """The job's runs, oldest first, once there are `count` and all have finished well."""
    runs = runs_of(port, JOB)
    if len(runs) == count and all(r["status"] == "SUCCESS" for r in runs):
        return list(reversed(runs))
    return None


def tags(run: dict) -> dict[str, str]:
    return {t["key"]: t["value"] for t in run["tags"]}


def file_row(name: str, status: str, read: int, quarantined: int, en: str, zh: str) -> dict:
    return {
        "department": DEPARTMENT_ZH,
        "file": name,
        "status": status,
        "rows_read": read,
        "rows_quarantined": quarantined,
        "reason_en": en,
        "reason_zh": zh,
    }


def reasons(rows: list[dict]) -> list[tuple]:
    return [
        (r["department"], r["file"], r["periods"], r["reason_en"], r["reason_zh"]) for r in rows
    ]


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("operator")
    settings = settings_for(home)
    receive_plan(settings)
    with workplan_ui(home) as port:
        yield settings, port


def test_a_rejected_file_is_named_in_the_check_until_its_department_replaces_it(ui):
    settings, port = ui
    folder = settings.landing / TOURISM / DEPARTMENT
    folder.mkdir(parents=True)

    # 1. March, with one of its two rows unusable: rejected by the suite.
    (folder / "旅游收入2024年3月.xlsx").write_bytes(MARCH_BAD)
    [first] = wait_for(lambda: finished_runs(port, 1), "the March run")
    assert tags(first)["rejected"] == "1"
    check = wait_for(lambda: check_executions(port).get(first["runId"]), "its check")
    assert (check["success"], check["severity"]) == (False, "WARN")
    assert check["files"] == [
        file_row("旅游收入2024年3月.xlsx", "rejected（已退回，未计入）", 2, 1, MARCH_EN, MARCH_ZH)
    ]
    assert [r["file"] for r in check["rejections_outstanding"]] == ["旅游收入2024年3月.xlsx"]
    assert "旅游收入2024年3月.xlsx" in check["description"]
    assert f"{DEPARTMENT_ZH}“旅游收入2024年3月.xlsx”" in check["description"]

    # 2. February, cut off while copied: refused on receipt, before any suite. The check of its
    # run lists it (not "nothing new") and both rejections are outstanding.
    (folder / "旅游收入2024年2月.xlsx").write_bytes(FEBRUARY_CUT)
    second = wait_for(lambda: finished_runs(port, 2), "the February run")[1]
    assert tags(second)["rejected"] == "1"
    check = wait_for(lambda: check_executions(port).get(second["runId"]), "its check")
    assert check["success"] is False
    [row] = check["files"]
    assert (row["department"], row["file"], row["status"]) == (
        DEPARTMENT_ZH,
        "旅游收入2024年2月.xlsx",
        "rejected（已退回，未计入）",
    )
    assert (row["rows_read"], row["rows_quarantined"]) == (0, 0)
    assert row["reason_en"].startswith(UNREADABLE_EN)
    assert row["reason_zh"].startswith(UNREADABLE_ZH)
    assert reasons(check["rejections_outstanding"]) == [
        (DEPARTMENT_ZH, "旅游收入2024年3月.xlsx", "2024-03", MARCH_EN, MARCH_ZH),
        (DEPARTMENT_ZH, "旅游收入2024年2月.xlsx", "", row["reason_en"], row["reason_zh"]),
    ]
    assert check["submissions_rejected"] == 1

    # 3. March corrected and accepted: March is made good, February (named 2024年2月) is not,
    # so the check still fails, naming February only; the run rejected nothing.
    drop_csv(
        settings,
        TOURISM,
        DEPARTMENT,
        "旅游收入2024年3月 更正.csv",
        [
            dict(period="2024-03", area="太阳岛", visitors=1200, revenue_wan=88.5),
            dict(period="2024-03", area="冰雪大世界", visitors=3000, revenue_wan=240),
        ],
    )
    third = wait_for(lambda: finished_runs(port, 3), "the March correction's run")[2]
    assert "rejected" not in tags(third)
    check = wait_for(lambda: check_executions(port).get(third["runId"]), "its check")
    assert check["files"] == [
        file_row("旅游收入2024年3月 更正.csv", "accepted（已接收）", 2, 0, "", "")
    ]
    assert check["success"] is False
    assert [r["file"] for r in check["rejections_outstanding"]] == ["旅游收入2024年2月.xlsx"]
    assert "旅游收入2024年3月.xlsx" not in check["description"]

    # A later run with nothing new (as the operator launches it from the UI) still fails,
    # naming the February file.
    launched = graphql(port, LAUNCH.replace("JOB", JOB))["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    idle = wait_for(lambda: finished_runs(port, 4), "the run launched by hand")[3]
    check = wait_for(lambda: check_executions(port).get(idle["runId"]), "its check")
    assert (check["success"], check["files"], check["files_in_run"]) == (False, [], 0)
    assert [r["file"] for r in check["rejections_outstanding"]] == ["旅游收入2024年2月.xlsx"]
    assert check["description"].endswith(
        f"本次没有新文件。尚有1个退回文件未被重新报送的文件替代：{DEPARTMENT_ZH}“旅游收入2024年2月.xlsx”。"
    )

    # 4. February sent again whole: nothing is outstanding and the check passes.
    drop_csv(
        settings,
        TOURISM,
        DEPARTMENT,
        "旅游收入2024年2月.csv",
        [dict(period="2024-02", area="太阳岛", visitors=1000, revenue_wan=70.25)],
    )
    fourth = wait_for(lambda: finished_runs(port, 5), "the February correction's run")[4]
    check = wait_for(lambda: check_executions(port).get(fourth["runId"]), "its check")
    assert check["success"] is True
    assert check["rejections_outstanding"] == []
    assert [r["status"] for r in check["files"]] == ["accepted（已接收）"]
    assert "rejected" not in tags(fourth)


def received(con: duckdb.DuckDBPyConnection, settings) -> dict[str, str]:
    """Receive what landed and validate it, as a run does; each new file's status by name."""
    files = receive_feed(con, settings.landing, settings.archive, TOURISM)
    for submission_id, verdict in validate_submissions(
        con, TOURISM, pending(con, TOURISM), settings.validation_engine
    ).items():
        record_verdict(con, TOURISM, submission_id, verdict)
    statuses = dict(con.execute("select submission_id, status from ledger.submissions").fetchall())
    return {f.file_name: statuses[f.submission_id] for f in files}


def revenue(period: str, *values) -> list[dict]:
    return [dict(period=period, area=f"景区{i}", revenue_wan=v) for i, v in enumerate(values)]


def outstanding(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return [
        (r["department"], r["file_name"], r["periods"] or "")
        for r in outstanding_rejections(con, TOURISM)
    ]


def test_a_rejection_is_made_good_only_by_later_accepted_files_covering_each_of_its_periods(
    tmp_path: Path,
):
    settings = settings_for(tmp_path)
    con = duckdb.connect()
    prepare(con)
    # March accepted first; a "correction" of March refused afterwards is the department's last
    # word for March, so it is outstanding though an accepted March exists.
    drop_csv(settings, TOURISM, DEPARTMENT, "2024-03.csv", revenue("2024-03", 10, 20))
    assert received(con, settings) == {"2024-03.csv": "accepted"}
    drop_csv(settings, TOURISM, DEPARTMENT, "2024-03 更正.csv", revenue("2024-03", "十", "二十"))
    # January and February in one file, two of three rows unusable (67% > 20%): rejected.
    rows = [*revenue("2024-01", 5, "五"), *revenue("2024-02", "待定")]
    drop_csv(settings, TOURISM, DEPARTMENT, "2024年1-2月.csv", rows)
    assert received(con, settings) == {
        "2024-03 更正.csv": "rejected",
        "2024年1-2月.csv": "rejected",
    }
    assert outstanding(con) == [
        (DEPARTMENT, "2024-03 更正.csv", "2024-03"),
        (DEPARTMENT, "2024年1-2月.csv", "2024-01, 2024-02"),
    ]
    # January alone sent again: February is still owed a good file.
    drop_csv(settings, TOURISM, DEPARTMENT, "2024-01.csv", revenue("2024-01", 5, 6))
    assert received(con, settings) == {"2024-01.csv": "accepted"}
    assert outstanding(con) == [
        (DEPARTMENT, "2024-03 更正.csv", "2024-03"),
        (DEPARTMENT, "2024年1-2月.csv", "2024-01, 2024-02"),
    ]
    drop_csv(settings, TOURISM, DEPARTMENT, "2024-02.csv", revenue("2024-02", 7))
    drop_csv(settings, TOURISM, DEPARTMENT, "2024-03 再次更正.csv", revenue("2024-03", 11, 21))
    assert received(con, settings) == {
        "2024-02.csv": "accepted",
        "2024-03 再次更正.csv": "accepted",
    }
    assert outstanding(con) == []


def test_files_refused_on_receipt_are_made_good_by_the_month_their_name_gives_or_by_moving(
    tmp_path: Path,
):
    settings = settings_for(tmp_path)
    con = duckdb.connect()
    prepare(con)
    # Dropped in a folder named by the bureau's short name, not its code: refused unread.
    wrong = drop_csv(settings, TOURISM, "文旅局", "旅游收入.csv", revenue("2024-04", 9))
    # An unreadable February workbook, and one whose name gives no month.
    folder = settings.landing / TOURISM / DEPARTMENT
    folder.mkdir(parents=True)
    (folder / "旅游收入2024年2月.xlsx").write_bytes(FEBRUARY_CUT)
    (folder / "旅游收入.xlsx").write_bytes(FEBRUARY_CUT[:800])
    assert set(received(con, settings).values()) == {"rejected"}
    assert outstanding(con) == [
        (DEPARTMENT, "旅游收入.xlsx", ""),
        (DEPARTMENT, "旅游收入2024年2月.xlsx", ""),
        ("文旅局", "旅游收入.csv", ""),
    ]
    # A March file is accepted: it makes good the file that named no month, not February's.
    drop_csv(settings, TOURISM, DEPARTMENT, "2024-03.csv", revenue("2024-03", 10))
    assert received(con, settings) == {"2024-03.csv": "accepted"}
    assert outstanding(con) == [
        (DEPARTMENT, "旅游收入2024年2月.xlsx", ""),
        ("文旅局", "旅游收入.csv", ""),
    ]
    # The clerk moves the wrongly placed file into the department's folder: same content,
    # accepted there, so the refusal in the wrong folder is made good.
    wrong.rename(folder / wrong.name)
    assert received(con, settings) == {"旅游收入.csv": "accepted"}
    assert outstanding(con) == [(DEPARTMENT, "旅游收入2024年2月.xlsx", "")]
