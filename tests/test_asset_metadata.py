"""What the Dagster UI shows of the tables, read through the real webserver's GraphQL API after a
real `workplan refresh`: each table asset's name, row count and columns with the warehouse's own
descriptions (Dagster's `dagster/…` keys), owners and kinds on every asset, previews an operator
can read, and the asset checks on the marts, which pass on a good deployment and fail, blocking
what is published, when the scorecard or the facts are broken."""

from __future__ import annotations

import datetime as dt
import os

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import build_definitions
from tests.helpers import drop_csv, graphql, run_refresh, settings_for, workplan, workplan_ui

AS_OF = "2024-04-20"
TOURISM = ("tourism_revenue", "culture_tourism")
TABLE_SCHEMAS = {"reference", "raw", "staging", "marts", "ledger"}
NOT_TABLES = {"raw/stray_files"}  # a step that records stray files in the ledger, not a table
MART_CHECKS = {
    ("marts/indicator_progress", "all_indicators_present"),
    ("marts/indicator_progress_monthly", "owed_months_scored"),
    *(
        (f"marts/{table}", "reconciles_with_ledger")
        for table in (
            "fact_projects",
            "fact_enterprise_events",
            "fact_tourism_revenue",
            "fact_school_places",
            "fact_headline_statistics",
        )
    ),
}


def tourism_rows() -> list[dict]:
    """January to March 2024 for two areas, visitors left empty as clerks often do."""
    return [
        dict(period=f"2024-{m:02d}", area=area, revenue_wan=100 + m)
        for m in (1, 2, 3)
        for area in ("太阳岛", "冰雪大世界")
    ]


def drop_good_files(settings) -> None:
    drop_csv(settings, *TOURISM, "2024年1-3月旅游收入.csv", tourism_rows())
    drop_csv(
        settings,
        "projects",
        "investment",
        "2024年3月项目.csv",
        [
            dict(
                period="2024-03",
                project_code="P-01",
                project_name="冰雪装备产业园",
                project_type="招商引资",
                signed_on="2024-03-05",
                contracted_amount_wan=5000,
            )
        ],
    )


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory):
    """A small deployment judged on 20 April 2024, refreshed once by the real command, with the
    real webserver (one start-up for the module) over the same instance."""
    home = tmp_path_factory.mktemp("metadata")
    settings = settings_for(home, as_of_date=AS_OF)
    settings.keep_judging_date()  # the UI and its daemon judge the same day
    drop_good_files(settings)
    result = workplan(home, "refresh")
    assert result.returncode == 0, result.stdout + result.stderr
    with workplan_ui(home) as port:
        yield settings, port


ASSET_NODES = """{ assetNodes {
  assetKey { path }
  kinds
  owners { ... on TeamAssetOwner { team } ... on UserAssetOwner { email } }
  assetMaterializations(limit: 1) { metadataEntries { label
    ... on TextMetadataEntry { text }
    ... on IntMetadataEntry { intValue }
    ... on MarkdownMetadataEntry { mdStr }
    ... on TableSchemaMetadataEntry { schema { columns { name type description } } }
  } }
  assetChecksOrError { ... on AssetChecks { checks { name blocking
    executionForLatestMaterialization { status evaluation { success description
      metadataEntries { label
        ... on IntMetadataEntry { intValue }
        ... on MarkdownMetadataEntry { mdStr } } } } } } }
} }"""


@pytest.fixture(scope="module")
def nodes(deployment) -> dict[str, dict]:
    """Every asset as the UI's GraphQL API gives it, by key ("marts/indicator_progress")."""
    _, port = deployment
    return {"/".join(n["assetKey"]["path"]): n for n in graphql(port, ASSET_NODES)["assetNodes"]}


def latest(node: dict) -> dict:
    """The latest materialization's metadata entries, by label."""
    (materialization,) = node["assetMaterializations"]
    return {e["label"]: e for e in materialization["metadataEntries"]}


def warehouse_columns(settings, schema: str, table: str) -> list[tuple[str, str | None]]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(
            "select column_name, comment from duckdb_columns() where schema_name = ? "
            "and table_name = ? order by column_index",
            [schema, table],
        ).fetchall()


def test_every_asset_has_owners_and_kinds_in_the_ui(nodes):
    # 13 landing, 3 reference, 7 raw, 6 staging, 14 marts, 2 ledger, 3 analysts (the published
    # file, the leaders' scorecard, GX Data Docs).
    assert len(nodes) == 13 + 3 + 7 + 6 + 14 + 2 + 3
    for key, node in nodes.items():
        assert node["kinds"], key
        assert node["owners"], key
    teams = {key: {o["team"] for o in node["owners"]} for key, node in nodes.items()}
    # The sending departments own what they send; the data office what it builds.
    assert teams["landing/projects/investment"] == {"investment"}
    assert teams["raw/projects"] == {"investment", "development_reform"}
    assert teams["staging/tourism_revenue"] == {"culture_tourism"}
    assert teams["raw/headline_statistics"] == {
        "statistics",
        "finance",
        "human_resources",
        "agriculture",
        "science_technology",
    }
    for key in ("marts/indicator_progress", "reference/targets", "analysts/scorecard"):
        assert teams[key] == {"data_office"}, key
    # The targets come from the supervision office's plan files (CSV or workbook).
    assert set(nodes["reference/targets"]["kinds"]) == {"duckdb", "file"}


def test_every_table_asset_reports_its_name_rows_and_described_columns(deployment, nodes):
    settings, _ = deployment
    tables = [k for k in nodes if k.split("/")[0] in TABLE_SCHEMAS and k not in NOT_TABLES]
    assert len(tables) == 31  # 3 reference, 6 raw, 6 staging, 14 marts, 2 ledger (+ plans)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        for key in tables:
            schema, table = key.split("/")
            entries = latest(nodes[key])
            assert entries["dagster/table_name"]["text"] == f"{schema}.{table}", key
            assert "table" not in entries, key  # the old custom key is gone
            (rows,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
            assert entries["dagster/row_count"]["intValue"] == rows, key
            columns = entries["dagster/column_schema"]["schema"]["columns"]
            described = warehouse_columns(settings, schema, table)
            assert [c["name"] for c in columns] == [name for name, _ in described], key
            for column, (name, comment) in zip(columns, described, strict=True):
                assert column["description"], f"{key}.{name} has no description"
                if comment:  # the warehouse's own words, as DuckDB holds them
                    assert column["description"] == comment, f"{key}.{name}"
    # Exact values worked out by hand: 6 tourism rows (3 months x 2 areas), the 21 targets.
    assert latest(nodes["marts/fact_tourism_revenue"])["dagster/row_count"]["intValue"] == 6
    assert latest(nodes["marts/indicator_progress"])["dagster/row_count"]["intValue"] == 21
    status_zh = {
        c["name"]: c
        for c in latest(nodes["marts/indicator_progress"])["dagster/column_schema"]["schema"][
            "columns"
        ]
    }["status_zh"]
    with duckdb.connect(str(settings.analysts), read_only=True) as con:
        (published,) = con.execute(
            "select comment from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'indicator_progress' and column_name = 'status_zh'"
        ).fetchone()
    assert status_zh["description"] == published and "数据缺报" in published
    assert status_zh["type"] == "VARCHAR"
    # A feed's raw columns, which DuckDB does not describe, carry the contract's words.
    raw = latest(nodes["raw/tourism_revenue"])["dagster/column_schema"]["schema"]["columns"]
    assert {c["name"]: c["description"] for c in raw}["area"].startswith("景区")


def test_a_small_table_is_previewed_whole_in_key_order_with_blanks_and_dates(nodes):
    entries = latest(nodes["marts/fact_tourism_revenue"])
    assert entries["preview_rows"]["text"] == "all 6 rows, ordered by department, period, area"
    lines = entries["preview"]["mdStr"].splitlines()
    assert lines[0] == (
        r"| department | period | area | visitors | revenue\_wan | revenue\_yi | submission\_id |"
    )
    body = [line.split(" | ")[:6] for line in lines[2:]]
    # Ordered by department, month, then area (冰雪大世界 sorts before 太阳岛); visitors blank,
    # months as dates; 101 万元 = 0.0101 亿元.
    assert body == [
        ["| culture\\_tourism", f"2024\\-0{m}\\-01", area, "", f"{100 + m}", f"0\\.010{m}"]
        for m in (1, 2, 3)
        for area in ("冰雪大世界", "太阳岛")
    ]
    assert (
        "nan" not in entries["preview"]["mdStr"] and "00:00:00" not in entries["preview"]["mdStr"]
    )


def test_every_department_shows_in_the_feed_status_preview(nodes):
    entries = latest(nodes["marts/feed_status"])
    rows = [line.split(" | ")[:3] for line in entries["preview"]["mdStr"].splitlines()[2:]]
    # All 12 obligations, in feed then department order (the old preview cut it at 10).
    assert [(feed.removeprefix("| "), department) for feed, _, department in rows] == [
        ("enterprise\\_registrations", "commerce"),
        ("enterprise\\_registrations", "market\\_regulation"),
        ("enterprise\\_registrations", "science\\_technology"),
        ("headline\\_statistics", "agriculture"),
        ("headline\\_statistics", "finance"),
        ("headline\\_statistics", "human\\_resources"),
        ("headline\\_statistics", "science\\_technology"),
        ("headline\\_statistics", "statistics"),
        ("projects", "development\\_reform"),
        ("projects", "investment"),
        ("school\\_places", "education"),
        ("tourism\\_revenue", "culture\\_tourism"),
    ]


def test_a_large_table_previews_its_first_50_rows_in_key_order(nodes):
    entries = latest(nodes["marts/indicator_progress_monthly"])
    # On 20 April January to March are owed (due 10 or 15 April): 19 monthly indicators x 3
    # months + March for the 2 quarterly ones (T16, T19) = 59 rows.
    assert entries["dagster/row_count"]["intValue"] == 59
    assert entries["preview_rows"]["text"] == "the first 50 of 59, ordered by indicator_id, month"
    rows = [line.split(" | ")[:2] for line in entries["preview"]["mdStr"].splitlines()[2:]]
    assert len(rows) == 50
    # T01-T15 fill 45 rows, T16 one (March), T17 three, then T18's January is the 50th.
    assert rows[0] == ["| T01", "2024\\-01\\-01"]
    assert rows[45] == ["| T16", "2024\\-03\\-01"]
    assert rows[49] == ["| T18", "2024\\-01\\-01"]


def test_the_mart_checks_pass_on_a_good_deployment(nodes):
    found = {}
    for key, node in nodes.items():
        for check in (node["assetChecksOrError"] or {}).get("checks", []):
            found[(key, check["name"])] = check
    assert set(found) >= MART_CHECKS
    for key in MART_CHECKS:
        check = found[key]
        assert check["blocking"], key
        execution = check["executionForLatestMaterialization"]
        assert execution["status"] == "SUCCEEDED", key
    present = found[("marts/indicator_progress", "all_indicators_present")]
    assert present["executionForLatestMaterialization"]["evaluation"]["description"] == (
        "All 21 indicators present, one row each"
    )
    reconciled = found[("marts/fact_tourism_revenue", "reconciles_with_ledger")]
    evaluation = reconciled["executionForLatestMaterialization"]["evaluation"]
    counts = {e["label"]: e.get("intValue") for e in evaluation["metadataEntries"]}
    assert (counts["rows_accepted"], counts["fact_rows"], counts["not_reconciled"]) == (6, 6, 0)
    owed = found[("marts/indicator_progress_monthly", "owed_months_scored")]
    # 59 owed indicator-months (above). Only T01 (1 project signed) and T02 (5000 万元 = 0.5 亿元)
    # have a figure, for March; T03 and T12 are growth rates and 2023 was never sent, the others'
    # departments sent nothing: 57 are marked 数据缺报.
    description = owed["executionForLatestMaterialization"]["evaluation"]["description"]
    assert description == "All 59 owed indicator-months are scored (57 marked 数据缺报)"


def check_results(result) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }


def test_the_mart_checks_fail_and_block_publishing_when_broken(tmp_path):
    settings = settings_for(tmp_path, as_of_date=AS_OF)
    drop_good_files(settings)
    good = run_refresh(settings)
    assert good.success
    assert all(check_results(good)[key].passed for key in MART_CHECKS)

    def published() -> tuple[int, int]:
        with duckdb.connect(str(settings.analysts), read_only=True) as con:
            return con.execute(
                "select (select count(*) from marts.indicator_progress), "
                "(select count(*) from marts.fact_tourism_revenue)"
            ).fetchone()

    assert published() == (21, 6)

    # 1. An indicator lost from the reference catalog: the scorecard has 20 rows.
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("delete from reference.targets where indicator_id = 'T05'")
    broken = run_refresh(settings)
    assert not broken.success
    present = check_results(broken)[("marts/indicator_progress", "all_indicators_present")]
    assert not present.passed
    assert (
        present.description
        == "Not every indicator is on the scorecard exactly once: 2024 T05 missing"
    )
    assert present.metadata["indicators_found"].value == 20
    materialized = {e.asset_key.to_user_string() for e in broken.get_asset_materialization_events()}
    assert "analysts/warehouse_file" not in materialized  # blocked: the last good copy stays
    assert published() == (21, 6)

    # 2. An accepted row lost from the facts (the tourism file's raw rows written again
    # without February's 太阳岛 row, behind the pipeline, which never writes a recorded raw file
    # again): 5 facts for the 6 rows the ledger accepted from the tourism file.
    with duckdb.connect(str(settings.warehouse)) as con:
        (file,) = con.execute(
            "select file from raw.files where feed = 'tourism_revenue'"
        ).fetchone()
        path = str(settings.warehouse.with_name(settings.warehouse.name + ".facts") / file)
        con.execute(
            f"copy (select * from read_parquet('{path}') where not (area = '太阳岛' "
            f"and period__parsed = '2024-02-01')) to '{path}.cut' (format parquet)"
        )
        os.replace(f"{path}.cut", path)
    identity = settings.analysts.stat()
    broken = run_refresh(settings)
    assert not broken.success
    reconcile = check_results(broken)[("marts/fact_tourism_revenue", "reconciles_with_ledger")]
    assert not reconcile.passed
    assert reconcile.description == (
        "1 submission(s) of tourism_revenue do not reconcile with marts.fact_tourism_revenue"
    )
    assert (reconcile.metadata["rows_accepted"].value, reconcile.metadata["fact_rows"].value) == (
        6,
        5,
    )
    assert "2024年1\\-3月旅游收入\\.csv | 6 | 5 | true | false |" in (
        reconcile.metadata["submissions"].value
    )
    other = check_results(broken)[("marts/fact_projects", "reconciles_with_ledger")]
    assert other.passed  # the projects facts still agree with their ledger rows
    materialized = {e.asset_key.to_user_string() for e in broken.get_asset_materialization_events()}
    assert "marts/feed_metrics" not in materialized  # nothing is built on the broken facts
    # The analysts' file is not written again; its fact view reads the same (damaged) file: the
    # rows are written once, for both (what the check is for: the UI names the damage).
    after = settings.analysts.stat()
    assert (after.st_ino, after.st_mtime_ns) == (identity.st_ino, identity.st_mtime_ns)
    assert published() == (21, 5)

    # 3. An owed month with no row in the monthly scores: the check alone, on the mart as is.
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "delete from marts.indicator_progress_monthly "
            "where indicator_id = 'T12' and month = '2024-02-01'"
        )
    key = dg.AssetCheckKey(
        dg.AssetKey(["marts", "indicator_progress_monthly"]), "owed_months_scored"
    )
    job = build_definitions(settings).resolve_implicit_global_asset_job_def()
    only_check = job.get_subset(asset_selection=set(), asset_check_selection={key})
    result = only_check.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    (owed,) = result.get_asset_check_evaluations()
    assert not owed.passed
    assert owed.description == (
        "1 owed indicator-month(s) neither scored nor marked missing: T12 2024-02"
    )
    assert owed.metadata["months_unscored"].value == 1
    # 59 less T05's January to March: the catalog lost it in step 1.
    assert owed.metadata["months_owed"].value == 56
    assert dt.date(2024, 2, 1).isoformat() in owed.metadata["unscored"].value.replace("\\", "")
