"""Each GX validation kept beside the archive, and rendered as GX Data Docs that work offline.

When GX's engine validated a batch of submissions (`pipelines/checks/validation.py`), its
`ExpectationSuiteValidationResult` is kept in GX's own validation results store, on the
filesystem under `<archive>/gx_validations/<suite>/<run>/<time>/<batch>.json`: the archive is what
a deployment backs up and never deletes, and GX reads the store back to re-render the pages
(`python -m pipelines.checks.data_docs build`). The batch is the submission's id when a run
validated one file, as a dropped file's run does.

GX's site builder renders the store into a static site under `<reports>/data_docs/` (index.html
and one page per validation). Its templates load scripts, styles and fonts from public CDNs; each
page is rewritten to load the same files from the site's `static/vendor/` folder, copied from the
npm packages fetched at set-up (`pipelines/checks/data_docs_assets.py`), so the site opens from
disk (file://) on a machine with no network.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import hashlib
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.checks import data_docs_assets
from pipelines.checks.gx_engine import great_expectations

log = logging.getLogger(__name__)

RESULTS_FOLDER = "gx_validations"
SITE_FOLDER = "data_docs"
SITE_NAME = "workplan"
VENDOR = "static/vendor"
# GX's navigation bar and dark-mode stylesheet draw its logo from S3; the copy GX ships serves.
GX_WEB_ASSETS = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
REMOTE_LOGO = re.compile(re.escape(GX_WEB_ASSETS) + r"[\w.-]+(?:\?[^\"')\s]*)?")
# A reference a page loads (script, stylesheet, image, frame) that still points off the machine:
# a GX upgrade brought a new one. Links a reader may click (<a href>) load nothing by themselves.
REMOTE_ASSET = re.compile(
    r"""<(?:script|link|img|iframe|source|embed)\b[^>]*\b(?:src|href)=["'](?:https?:)?//[^"']+"""
    r"""|url\(\s*["']?(?:https?:)?//[^)]+"""
)
# The local copies are checked at set-up; a browser refuses SRI and CORS checks on file:// pages.
INTEGRITY = re.compile(r"""\s+(?:integrity|crossorigin)=["'][^"']*["']""")


class RemoteAssetLeft(RuntimeError):
    """A Data Docs page still loads something from outside the machine."""


@dataclass(frozen=True)
class KeptValidation:
    """One GX validation result kept in the store, and its Data Docs page."""

    submission_ids: tuple[str, ...]
    result: Path
    page: Path


def results_root(archive: Path) -> Path:
    return archive / RESULTS_FOLDER


def site_root(reports: Path) -> Path:
    return reports / SITE_FOLDER


def batch_identifier(submission_ids: list[str] | tuple[str, ...]) -> str:
    """The submission's id for a batch of one; for a larger batch, a digest of its ids (each
    page lists them in its meta, and `KeptValidation.submission_ids` says which they are)."""
    if len(submission_ids) == 1:
        return submission_ids[0]
    digest = hashlib.sha256(",".join(sorted(submission_ids)).encode()).hexdigest()[:16]
    return f"batch-{digest}"


@cache
def docs_context(archive: Path, reports: Path):
    """A file-less GX context whose validation results store is `<archive>/gx_validations/` and
    whose one Data Docs site is `<reports>/data_docs/` (one per deployment, cached: GX's context
    costs little, its import seconds, paid once by gx_engine)."""
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    from pipelines.checks.gx_engine import load_suite
    from pipelines.files.contracts import FEEDS

    defaults = InMemoryStoreBackendDefaults()
    defaults.stores[defaults.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(results_root(archive)),
        },
    }
    context = great_expectations().get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
            store_backend_defaults=defaults,
            data_docs_sites={
                SITE_NAME: {
                    "class_name": "SiteBuilder",
                    "show_how_to_buttons": False,
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(site_root(reports)),
                    },
                    "site_index_builder": {
                        "class_name": "DefaultSiteIndexBuilder",
                        "show_cta_footer": False,
                    },
                    "site_section_builders": {"profiling": "0"},
                }
            },
        ),
    )
    # The suites (expectations/<feed>.json), so the site also draws each suite's page with
    # its rules. Fresh objects: the validation context's copies stay its own.
    for feed in FEEDS:
        context.suites.add(load_suite.__wrapped__(feed))
    return context


def keep(archive: Path, reports: Path, result, run_name: str) -> KeptValidation:
    """Keep one GX validation result in the store; say where its page will be rendered."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    ids = tuple(result.meta["submission_ids"])
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(result.suite_name),
        run_id=RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC)),
        batch_identifier=batch_identifier(ids),
    )
    docs_context(archive, reports).validation_results_store.set(key, result)
    return kept_at(archive, reports, key.to_tuple(), ids)


def kept_at(
    archive: Path, reports: Path, parts: tuple[str, ...], submission_ids: tuple[str, ...]
) -> KeptValidation:
    """Where the store keeps the result of key `parts` (suite, run, time, batch) and where its
    page is drawn: the same relative path in both."""
    return KeptValidation(
        submission_ids=submission_ids,
        result=results_root(archive).joinpath(*parts[:-1], f"{parts[-1]}.json"),
        page=site_root(reports).joinpath("validations", *parts[:-1], f"{parts[-1]}.html"),
    )


def kept_in_run(archive: Path, reports: Path, run_name: str) -> list[KeptValidation]:
    """The results a run kept (the store files them under suite/run/time/batch), so a step
    after the publish can draw their pages."""
    root = results_root(archive)
    if not root.is_dir():
        return []
    kept = []
    for result in sorted(root.glob(f"*/{glob.escape(run_name)}/*/*.json")):
        meta = json.loads(result.read_text(encoding="utf-8")).get("meta", {})
        parts = (*result.relative_to(root).parent.parts, result.stem)
        kept.append(kept_at(archive, reports, parts, tuple(meta.get("submission_ids", ()))))
    return kept


def render(archive: Path, reports: Path, kept: list[KeptValidation] | None = None) -> Path:
    """Render the kept validations' pages (all of them when `kept` is None) and the index with
    GX's site builder, then point every page at the site's local copies of its assets."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    site = site_root(reports)
    identifiers = None
    if kept is not None:
        keys = [
            ValidationResultIdentifier.from_tuple(
                (*k.result.relative_to(results_root(archive)).parent.parts, k.result.stem)
            )
            for k in kept
        ]
        # A suite's page changes only with the suite: drawn once, and again by `build`.
        suite_pages = {
            name: site / "expectations" / f"{name}.html"
            for name in sorted({k.expectation_suite_identifier.name for k in keys})
        }
        suite_pages = {name: page for name, page in suite_pages.items() if not page.exists()}
        identifiers = [*keys, *map(ExpectationSuiteIdentifier, suite_pages)]
    docs_context(archive, reports).build_data_docs(
        site_names=[SITE_NAME], resource_identifiers=identifiers
    )
    vendor(site)
    if kept is None:
        pages = list(site.rglob("*.html"))
    else:
        pages = [site / "index.html", *(k.page for k in kept), *suite_pages.values()]
    for page in pages:
        localise(page, site)
    return site / "index.html"


def vendor(site: Path) -> None:
    """Give the site its copy of the CDN assets and a stylesheet without the remote logo."""
    target = site / VENDOR
    if not data_docs_assets.installed(target) and data_docs_assets.installed():
        shutil.copytree(data_docs_assets.ASSETS_ROOT, target, dirs_exist_ok=True)
    elif not data_docs_assets.installed(target):
        log.warning(
            "Data Docs assets are not installed in %s: pages will load nothing from outside, but "
            "show unstyled. Run `make` (or python -m pipelines.checks.data_docs assets) once.",
            data_docs_assets.ASSETS_ROOT,
        )
    for stylesheet in (site / "static" / "styles").glob("*.css"):
        text = stylesheet.read_text(encoding="utf-8")
        local = REMOTE_LOGO.sub("../images/logo-long.png", text)
        if local != text:
            stylesheet.write_text(local, encoding="utf-8")


def localise(page: Path, site: Path) -> None:
    """Rewrite a page's CDN references to the site's `static/vendor/` copies, relative to the
    page so the site works from any folder; refuse a page that would still reach outside."""
    text = page.read_text(encoding="utf-8")
    to_root = os.path.relpath(site, page.parent).replace(os.sep, "/")
    for url, path in data_docs_assets.replacements().items():
        text = text.replace(url, f"{to_root}/{VENDOR}/{path}")
    text = REMOTE_LOGO.sub(f"{to_root}/static/images/logo-long.png", text)
    text = INTEGRITY.sub("", text)
    if left := REMOTE_ASSET.search(text):
        raise RemoteAssetLeft(f"{page} still loads {left.group(0)!r}; add it to data_docs_assets")
    page.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """`assets`: fetch the pages' assets at set-up; `build`: re-render a deployment's site from
    its kept results (after an upgrade of GX, or to restore a deleted reports folder)."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.checks.data_docs")
    parser.add_argument("command", choices=["assets", "build"])
    command = parser.parse_args(argv).command
    if command == "assets":
        data_docs_assets.fetch()
        return
    from pipelines.settings import Settings

    settings = Settings.from_env()
    print(render(settings.archive, settings.reports))


if __name__ == "__main__":
    main()
