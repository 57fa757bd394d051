"""GX Data Docs of the run's validations: the operators' pages of what each file was judged by."""

from pathlib import Path

import dagster as dg

from assets.metadata import DATA_OFFICE
from pipelines.checks import data_docs
from pipelines.resources import Warehouse


@dg.asset(
    key=["analysts", "gx_data_docs"],
    group_name="analysts",
    owners=[DATA_OFFICE],
    kinds={"html"},
    deps=[dg.AssetKey(["analysts", "warehouse_file"])],
)
def gx_data_docs(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """The GX Data Docs site (reports/data_docs/, static files that open offline): a page per
    validation result that the run's GX suite checks kept beside the archive, the suites'
    pages and the index. Drawn after the analysts' file is published, so the pages never
    delay a department's figures; a page that cannot be drawn is logged, not fatal: the
    verdicts are recorded and `python -m pipelines.checks.data_docs build` draws the kept
    results again."""
    archive, reports = Path(warehouse.archive), Path(warehouse.reports_path)
    kept = data_docs.kept_in_run(archive, reports, context.run.run_id)
    site = data_docs.site_root(reports) / "index.html"
    drawn: list[data_docs.KeptValidation] = []
    if kept:
        try:
            data_docs.render(archive, reports, kept)
            drawn = kept
        except Exception as error:  # noqa: BLE001 - the validation stands whatever GX draws
            context.log.warning(f"GX Data Docs not drawn: {error}")
    if drawn:
        pages = "\n".join(f"- [{k.page.name}]({k.page.as_uri()})" for k in drawn)
    elif kept:
        pages = "not drawn: see the step's log; the results are kept beside the archive"
    else:
        pages = "none: no file of this run was validated by GX's own engine"
    return dg.MaterializeResult(
        metadata={
            "results_kept": len(kept),
            "pages_drawn": len(drawn),
            "gx_data_docs": dg.MetadataValue.url(site.as_uri()),
            "pages": dg.MetadataValue.md(pages),
        }
    )
