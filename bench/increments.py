"""National scale over a year: the first refresh, a quiet night, and one more month's file.

Issue 16's targets for work that does not grow with the year: a nightly `workplan refresh` with
nothing new at 25M rows (seconds, independent of the facts' size), and a further month of 2M
rows added to a 25M-row year (in proportion to that file: within 2.5x of DuckDB's raw load of
that month's file, measured beside it). One deployment per run: the year's file (January to
September) is received by a first refresh, then the nightly re-run is measured, then October's
file is dropped and the refresh that takes it is measured. The synthetic files are written once
into a cache folder under the data folder and reused by later runs and invocations (`--keep`
is the default: they take a minute and 3 GB to write). The analysts' file is counted after each
step, so a row that reached the facts twice, or not at all, shows in the results.

`python -m bench.increments [--rows 25M] [--month-rows 2M] [--runs 1] [--data-dir /tmp]`
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench.dagster_runs import step_seconds
from bench.process import GIB, measure
from bench.synthetic import write_registrations
from bench.throughput import WORKPLAN, deployment_env, drop, published_counts, raw_run

YEAR_MONTHS = list(range(1, 10))
ADDED_MONTH = 10


def cached(cache: Path, rows: int, offset: int, months: list[int]) -> Path:
    """The synthetic file for these rows and months, written on first use only."""
    path = cache / f"registrations-{rows}-from-{offset}-months-{'-'.join(map(str, months))}.csv"
    if not path.exists():
        partial = path.with_name(f".{path.name}.partial")
        write_registrations(partial, rows, offset, months)
        os.replace(partial, path)
    return path


def one_run(year: Path, month: Path, scratch: Path, guard: int, log) -> dict:
    home = Path(tempfile.mkdtemp(prefix="home-", dir=scratch))
    env = deployment_env(home)
    analysts = home / "warehouse" / "analysts.duckdb"
    result: dict = {}
    try:
        drop(year, home)
        for kind in ("first", "quiet_night", "month_added", "quiet_after_month"):
            if kind == "month_added":
                drop(month, home)
            measured = measure([WORKPLAN, "refresh"], env=env, guard_bytes=guard)
            result[kind] = measured.as_dict() | {
                "steps": step_seconds(home / "dagster"),
                "published": published_counts(analysts),
            }
            log(f"{kind}: {measured.wall_seconds:.1f} s, {result[kind]['published']}")
            if not measured.ok:
                log(measured.error_tail)
                break
        return result
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(rows: int, month_rows: int, runs: int, data_dir: Path, guard: int, log) -> dict:
    """Every measurement, `runs` times: the raw load of the month's file beside the project."""
    cache = data_dir / "workplan-bench-cache"
    year = cached(cache, rows, 0, YEAR_MONTHS)
    month = cached(cache, month_rows, rows, [ADDED_MONTH])
    results: dict = {"rows": rows, "month_rows": month_rows, "raw_month": [], "runs": []}
    scratch = Path(tempfile.mkdtemp(prefix="workplan-bench-increments-", dir=data_dir))
    try:
        for number in range(1, runs + 1):
            raw = raw_run(month, scratch, guard)
            log(f"run {number}: raw load of the month's file {raw.wall_seconds:.1f} s")
            results["raw_month"].append(raw.as_dict())
            results["runs"].append(one_run(year, month, scratch, guard, log))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def main(argv: list[str]) -> None:
    from bench.__main__ import log, row_count

    parser = argparse.ArgumentParser(prog="python -m bench.increments", description=__doc__)
    parser.add_argument("--rows", default="25M")
    parser.add_argument("--month-rows", default="2M")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--out", type=Path, default=None, help="write the results here (JSON)")
    args = parser.parse_args(argv)
    results = run(
        row_count(args.rows), row_count(args.month_rows), args.runs, args.data_dir, 14 * GIB, log
    )
    text = json.dumps(results, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
