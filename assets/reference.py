"""Reference data: the target catalog and the departments, from `catalog/*.csv`."""

import dagster as dg

from assets.metadata import table_metadata
from pipelines.resources import Warehouse
from pipelines.settings import CATALOG_ROOT
from pipelines.warehouse import run_sql


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["reference", "targets"],
            group_name="reference",
            description="Every version of the 21 targets of the 2024 plan (catalog/targets.csv), "
            "one row per indicator and version; table reference.targets.",
        ),
        dg.AssetSpec(
            ["reference", "departments"],
            group_name="reference",
            description="The district departments that report or lead targets "
            "(catalog/departments.csv), one row per department; table reference.departments.",
        ),
    ]
)
def reference_catalog(warehouse: Warehouse):
    """Load the target catalog and departments from the CSV files kept in `catalog/`."""
    with warehouse.connect() as con:
        run_sql(
            con,
            "reference/load",
            {
                "targets_csv": str(CATALOG_ROOT / "targets.csv"),
                "departments_csv": str(CATALOG_ROOT / "departments.csv"),
            },
        )
        for table in ("targets", "departments"):
            yield dg.MaterializeResult(
                asset_key=["reference", table], metadata=table_metadata(con, "reference", table)
            )
