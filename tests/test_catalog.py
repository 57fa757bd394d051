"""Targets are data: the catalog carries the plan's 21 targets, and a revision is a new version."""

from __future__ import annotations

import csv
from pathlib import Path

from pipelines.settings import CATALOG_ROOT, PLAN_YEAR
from pipelines.store.ingest import prepare
from pipelines.store.warehouse import connect, run_sql


def load_catalog(con, targets_csv: Path) -> None:
    run_sql(
        con,
        "reference/load",
        {"targets_csv": str(targets_csv), "departments_csv": str(CATALOG_ROOT / "departments.csv")},
    )
    run_sql(con, "marts/dimensions", {"plan_year": PLAN_YEAR})


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


def test_a_revised_target_is_a_new_version_and_the_original_stays(tmp_path):
    revised = tmp_path / "targets.csv"
    text = (CATALOG_ROOT / "targets.csv").read_text(encoding="utf-8")
    t20 = next(line for line in text.splitlines() if line.startswith("T20,"))
    # The newspaper copy prints T20 as 5.5%: record it as version 2 from July.
    version2 = t20.replace("T20,1,2024-01-01", "T20,2,2024-07-01").replace(",9.5,", ",5.5,")
    revised.write_text(text + version2 + "\n", encoding="utf-8")
    with connect(tmp_path / "w.duckdb") as con:
        prepare(con)
        load_catalog(con, revised)
        current = con.execute(
            "select target_value, target_version from marts.dim_indicator "
            "where indicator_id = 'T20'"
        ).fetchall()
        history = con.execute(
            "select version, target_value, is_current from marts.target_history "
            "where indicator_id = 'T20' order by version"
        ).fetchall()
        (count,) = con.execute("select count(*) from marts.dim_indicator").fetchone()
    assert current == [(5.5, 2)]
    assert history == [(1, 9.5, False), (2, 5.5, True)]
    assert count == 21
