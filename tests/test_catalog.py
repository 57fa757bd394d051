"""The seed's catalog (catalog/targets.csv, the demo's 2024 plan file) carries the plan's 21
targets; every target on it names departments of the catalog. How a plan file is received,
validated, versioned and scored is tests/test_plan_years.py."""

from __future__ import annotations

import csv

from pipelines.settings import CATALOG_ROOT


def test_catalog_has_21_targets_each_with_a_lead_and_source_department():
    with open(CATALOG_ROOT / "targets.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with open(CATALOG_ROOT / "departments.csv", encoding="utf-8") as handle:
        departments = {r["department_code"] for r in csv.DictReader(handle)}
    assert sorted({r["indicator_id"] for r in rows}) == [f"T{i:02d}" for i in range(1, 22)]
    for row in rows:
        assert row["lead_department"] in departments, row
        assert row["source_department"] in departments, row
        if row["comparator"] in ("about", "in_step"):
            assert float(row["tolerance"]) == 0.5, row
