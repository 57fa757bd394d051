"""The yardstick: DuckDB loading the same CSV with explicit types and nothing else.

`python -m bench.raw_load FILE.csv DB.duckdb` runs `create table … as select * from read_csv(…)`
with the contract's columns typed up front (no sniffing), into a new DuckDB file as the pipeline
writes its own: what this machine can do with the file, measured as a whole process beside it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from pipelines.files.contracts import load_contract

FEED = "enterprise_registrations"
# A month ("2024-03") is no DuckDB date, so it stays text here as in raw; dates are typed.
DUCKDB_TYPES = {"text": "VARCHAR", "month": "VARCHAR", "date": "DATE"}


def load(csv_path: Path, db_path: Path) -> int:
    """Load the CSV into table `registrations` of a new file; return its row count."""
    columns = {c.header_zh: DUCKDB_TYPES[c.type] for c in load_contract(FEED).columns}
    with duckdb.connect(str(db_path)) as con:
        con.execute("set enable_progress_bar = false")
        con.execute(
            "create table registrations as select * from read_csv($path, header = true, "
            "auto_detect = false, delim = ',', quote = '\"', columns = $columns)",
            {"path": str(csv_path), "columns": columns},
        )
        (rows,) = con.execute("select count(*) from registrations").fetchone()
    return rows


if __name__ == "__main__":
    print(load(Path(sys.argv[1]), Path(sys.argv[2])))
