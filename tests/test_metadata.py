"""What reaches the Dagster UI as Markdown is the text it came from: names a clerk typed cannot
become table cells, links or HTML there."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb

from assets.metadata import first_groups, markdown_text, table_contents, table_metadata
from tests.helpers import drop_csv, run_refresh, settings_for

NAME = "3月|<img src=x onerror=alert(1)>[点此](javascript:go)*.csv"


def test_markdown_text_escapes_what_markdown_would_read() -> None:
    assert markdown_text("a|b") == "a\\|b"
    assert markdown_text("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert markdown_text("[a](u)") == "\\[a\\]\\(u\\)"
    assert markdown_text("*_`#") == "\\*\\_\\`\\#"
    assert markdown_text("第一行\n第二行") == "第一行 第二行"


def test_a_file_name_reaches_the_ui_escaped(tmp_path) -> None:
    settings = settings_for(tmp_path, as_of_date="2024-04-20")
    drop_csv(
        settings,
        "tourism_revenue",
        "culture_tourism",
        NAME,
        [dict(period="2024-03", area="景区1", revenue_wan=5)],
    )
    instance = dg.DagsterInstance.ephemeral()
    assert run_refresh(settings, instance).success
    event = instance.get_latest_materialization_event(dg.AssetKey(["raw", "tourism_revenue"]))
    metadata = event.asset_materialization.metadata
    # The submissions are a table of plain values, which the UI shows as text, not Markdown: the
    # name is kept exactly as the clerk typed it.
    [record] = metadata["submissions"].value.records
    assert record.data["file"] == NAME
    # Whatever is Markdown never carries it unescaped.
    markdown = [v.value for v in metadata.values() if isinstance(v, dg.MarkdownMetadataValue)]
    assert markdown and not any("<img" in text or "](javascript" in text for text in markdown)


def test_a_preview_shows_a_cell_holding_a_bar_as_one_cell() -> None:
    con = duckdb.connect()
    con.execute("create table names as select 'a|b' as file_name, 1 as n")
    preview = table_metadata(con, "main", "names")["preview"].value
    cells = [cell.strip() for cell in preview.splitlines()[2].split(" | ")]
    assert cells == ["| a\\|b", "1 |"]


def test_a_feed_tables_preview_sorts_only_its_first_months_and_shows_the_same_rows() -> None:
    # staging.tourism_revenue ordered by department, period, area: 30 rows of January and 30
    # of February for culture_tourism, 40 for another department, 5 without a department
    # (nulls last). The first 50 rows are January's 30 and February's first 20.
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute(
        "create table staging.tourism_revenue as select * from (values "
        + ", ".join(
            f"({department}, date '2024-0{month}-01', 'area {n:02d}', {n}, '{submission}')"
            for department, month, rows, submission in [
                ("'culture_tourism'", 1, 30, "a1"),
                ("'culture_tourism'", 2, 30, "a1"),
                ("'songbei'", 1, 40, "b1"),
                ("null", 3, 5, "c1"),
            ]
            for n in range(rows)
        )
        + ") t(department, period, area, revenue_wan, submission_id)"
    )
    names = ["department", "period", "area", "revenue_wan", "submission_id"]
    # The counts per department and month, with the submission holding them, as the feed's
    # counts kept per submission give them.
    groups = [
        ("culture_tourism", dt.date(2024, 1, 1), "a1", 30),
        ("culture_tourism", dt.date(2024, 2, 1), "a1", 30),
        ("songbei", dt.date(2024, 1, 1), "b1", 40),
        (None, dt.date(2024, 3, 1), "c1", 5),
    ]
    grouped = table_contents(con, "staging", "tourism_revenue", names, groups=groups)
    assert grouped == table_contents(con, "staging", "tourism_revenue", names)
    assert grouped["dagster/row_count"].value == 105
    rows = [line.split(" | ") for line in grouped["preview"].value.splitlines()[2:]]
    assert len(rows) == 50
    assert [rows[0][1], rows[0][2], rows[29][2], rows[30][1], rows[49][2]] == [
        r"2024\-01\-01",
        "area 00",
        "area 29",
        r"2024\-02\-01",
        "area 19",
    ]  # fmt: skip (dates as the Markdown preview escapes them)
    # The filter the sort sees keeps January and February of culture_tourism only.
    total, where, params = first_groups(groups, ["department", "period"])
    (kept,) = con.execute(f"select count(*) from staging.tourism_revenue{where}", params).fetchone()
    assert (total, kept) == (105, 60)
    assert where.count("submission_id = 'a1'") == 2  # a constant the Parquet scan can prune by
