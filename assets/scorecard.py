"""The leaders' scorecard: HTML, PNG and Excel reports drawn from the analysts' published file."""

import base64
from pathlib import Path

import dagster as dg

from assets.metadata import DATA_OFFICE
from pipelines.resources import Warehouse


@dg.asset(
    key=["analysts", "scorecard"],
    group_name="analysts",
    owners=[DATA_OFFICE],
    kinds={"html", "excel"},
    deps=[dg.AssetKey(["analysts", "warehouse_file"])],
)
def scorecard(warehouse: Warehouse) -> dg.MaterializeResult:
    """The 21 targets for leaders, read from the analysts' published DuckDB file (read-only, so
    it never touches the pipeline's lock). Grain: one entry per indicator, grouped by lead
    department, with its month-by-month trend and the overdue feeds. Outputs in
    $WORKPLAN_HOME/reports: scorecard.html (self-contained, opens offline), scorecard.png (the
    same picture, shown here) and scorecard.xlsx (scorecard and monthly history)."""
    # Imported here: matplotlib and the rest cost every process loading the code location
    # (each run worker, before its first step) a third of a second, and only this step draws.
    from pipelines.reports.report import write_reports

    paths = write_reports(Path(warehouse.analysts_path), Path(warehouse.reports_path))
    picture = base64.b64encode(paths["png"].read_bytes()).decode("ascii")
    return dg.MaterializeResult(
        metadata={
            **{kind: dg.MetadataValue.path(str(path)) for kind, path in paths.items()},
            "scorecard": dg.MetadataValue.md(f"![scorecard](data:image/png;base64,{picture})"),
        }
    )
