"""Great Expectations runs for real on a district's file (issue 14.4): by default (`auto`) the
feed's `gx_suite` check validates it with GX's own engine, keeps GX's validation result beside
the archive, draws it as GX Data Docs and links the site from the check's metadata; the pages
load nothing from outside the machine, in a real browser with the network cut off.

Tier: `execute_in_process` of a feed's ingest job on a temporary deployment (real DuckDB, real
GX, real Dagster check), then headless Chromium over the files it wrote.
"""

from __future__ import annotations

import json
import re
import shutil

import dagster as dg
import pytest

from assets.metadata import markdown_text
from bench.devtools import chromium_page
from pipelines.checks import data_docs, data_docs_assets
from pipelines.checks.validation import (
    GX_MAX_ROWS,
    EngineChoice,
    Validation,
    choose_engine,
)
from pipelines.definitions import build_definitions
from pipelines.jobs import ingest_job_name
from pipelines.settings import EXPECTATIONS_ROOT
from tests.helpers import drop_csv, settings_for
from tests.test_report import chromium  # noqa: F401 - Debian's chromium, as a fixture
from tests.test_validation import tourism_rows

TOURISM = "tourism_revenue"
FILE = "2024-03.csv"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory):
    """A deployment where 文化广电和旅游局 sent March's 10 rows, the fourth with a negative
    revenue, and the feed's ingest job ran once with the default engine."""
    settings = settings_for(tmp_path_factory.mktemp("data-docs"))
    assert settings.validation_engine == "auto"
    rows = tourism_rows(10)
    rows[3]["revenue_wan"] = -5
    drop_csv(settings, TOURISM, "culture_tourism", FILE, rows)
    job = build_definitions(settings).resolve_job_def(ingest_job_name(TOURISM))
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral())
    (evaluation,) = [
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey(["raw", TOURISM])
    ]
    (drawn,) = [
        m.materialization.metadata
        for m in result.get_asset_materialization_events()
        if m.asset_key == dg.AssetKey(["analysts", "gx_data_docs"])
    ]
    return settings, result.run_id, evaluation.metadata | {"drawn": drawn}


def test_auto_picks_gx_for_a_district_batch_and_sql_above_the_threshold() -> None:
    assert choose_engine("auto", 10).engine == "gx"
    assert choose_engine("auto", GX_MAX_ROWS).engine == "gx"
    assert choose_engine("auto", GX_MAX_ROWS + 1) == EngineChoice(
        "duckdb", "auto: 100,001 rows, over 100,000: the suite compiled to SQL"
    )
    assert choose_engine("duckdb", 10) == EngineChoice(
        "duckdb", "WORKPLAN_VALIDATION_ENGINE=duckdb"
    )
    with pytest.raises(ValueError, match="unknown validation engine 'spark'"):
        choose_engine("spark", 10)


def test_the_check_says_gx_ran_and_links_its_result_and_data_docs(deployment) -> None:
    settings, run_id, metadata = deployment
    assert metadata["validation_engine"].value == "gx"
    assert metadata["validation_engine_reason"].value == (
        "auto: 10 rows, at most 100,000: GX's own engine"
    )
    assert "gx_validation_result" not in metadata  # that note is for the SQL engine
    index = settings.reports / "data_docs" / "index.html"
    assert metadata["gx_data_docs"].value == index.as_uri()
    (kept,) = (settings.archive / "gx_validations" / TOURISM / run_id).glob("*/*.json")
    page = (
        settings.reports / "data_docs" / "validations" / TOURISM / run_id / kept.parent.name
    ) / f"{kept.stem}.html"
    assert metadata["gx_data_docs_page"].value == str(page)
    table = metadata["gx_validation_results"].value
    assert f"文化广电和旅游局 {markdown_text(FILE)}" in table
    assert page.as_uri() in table and str(kept) in table
    assert index.exists() and page.exists()
    # Drawn after the publish, by the run's Data Docs step: the one page of the one file.
    drawn = metadata["drawn"]
    assert (drawn["results_kept"].value, drawn["pages_drawn"].value) == (1, 1)
    assert page.as_uri() in drawn["pages"].value


def test_the_kept_result_is_gx_own_and_names_the_bad_row(deployment) -> None:
    settings, run_id, _ = deployment
    (kept,) = (settings.archive / "gx_validations" / TOURISM / run_id).glob("*/*.json")
    result = json.loads(kept.read_text(encoding="utf-8"))
    suite = json.loads((EXPECTATIONS_ROOT / f"{TOURISM}.json").read_text(encoding="utf-8"))
    assert result["suite_name"] == TOURISM
    assert result["meta"]["submission_ids"] == [kept.stem]  # a batch of one: the submission
    assert len(result["results"]) == len(suite["expectations"])
    failed = [r for r in result["results"] if not r["success"]]
    # Only the fourth row's revenue breaks a rule: position 3 of the batch, found -5.
    assert [r["expectation_config"]["meta"]["rule"] for r in failed] == ["not_negative"]
    assert failed[0]["result"]["unexpected_index_list"] == [3]
    assert failed[0]["result"]["unexpected_list"] == [-5]
    assert result["success"] is False


def test_the_site_is_drawn_again_from_the_kept_results(deployment, tmp_path) -> None:
    settings, run_id, _ = deployment
    site = tmp_path / "reports"
    index = data_docs.render(settings.archive, site)
    (page,) = (site / "data_docs" / "validations" / TOURISM / run_id).glob("*/*.html")
    assert index == site / "data_docs" / "index.html"
    assert page.stem in index.read_text(encoding="utf-8")
    assert (site / "data_docs" / "expectations" / f"{TOURISM}.html").exists()


def test_the_sql_engine_says_no_gx_result_exists() -> None:
    from assets.feeds import engine_metadata

    validation = Validation(EngineChoice("duckdb", "auto: 200,000 rows, over 100,000"), {})
    metadata = engine_metadata(validation, [], None, [])
    assert metadata["validation_engine"].value == "duckdb"
    assert metadata["gx_validation_result"].value.startswith("none: the suite ran compiled to SQL")
    assert "gx_data_docs" not in metadata


def test_a_page_loading_a_cdn_is_refused(tmp_path) -> None:
    page = tmp_path / "index.html"
    page.write_text('<script src="https://cdn.example.org/x.js"></script>', encoding="utf-8")
    with pytest.raises(data_docs.RemoteAssetLeft, match="cdn.example.org"):
        data_docs.localise(page, tmp_path)


# What a page must show to count as styled and working: bootstrap's navbar layout, every
# stylesheet loaded, and the scripts GX's templates call.
DRAWN = """[
  getComputedStyle(document.querySelector('.navbar')).display,
  [...document.querySelectorAll('link[rel=stylesheet]')].every(l => l.sheet !== null),
  document.querySelectorAll('link[rel=stylesheet]').length,
  typeof jQuery, typeof jQuery.fn.bootstrapTable, typeof vegaEmbed,
]"""


def test_data_docs_load_nothing_from_outside_in_chromium(deployment, chromium) -> None:  # noqa: F811
    if not data_docs_assets.installed():
        pytest.skip("the Data Docs assets are not installed: run `make` once with the network")
    settings, _, _ = deployment
    site = settings.reports / "data_docs"
    pages = [site / "index.html", *sorted((site / "validations").rglob("*.html"))]
    pages.append(site / "expectations" / f"{TOURISM}.html")
    local = re.compile(r"^(file|data|about):")
    with chromium_page(chromium, offline=True) as browser:
        for page in pages:
            browser.requests.clear()
            browser.open(page.as_uri())
            assert browser.requests, page  # the page and its assets were seen
            assert [u for u in browser.requests if not local.match(u)] == [], page
            navbar, sheets_loaded, sheets, *scripts = browser.evaluate(DRAWN)
            assert (navbar, sheets_loaded) == ("flex", True), page
            assert sheets >= 6, page  # bootstrap, its table and date picker, dark mode, GX, icons
            assert scripts == ["function", "function", "function"], page
    shutil.rmtree(site / "static" / "vendor")  # the next render copies them again
    data_docs.vendor(site)
    assert data_docs_assets.installed(site / "static" / "vendor")
