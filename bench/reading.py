"""Reading speed: `load_file` on a 100k-row workbook and a 5M-row CSV, each a whole process.

The reader is where a department file's cells become text; reading them as Excel shows them
(percent, date and error cells, formulas never calculated) costs a pass over each sheet's XML,
and this is the yardstick that keeps that cost in view. The workbook is the headline statistics
template with a date-formatted 报告期 and a 0.0% growth column on every row, the worst case
for the format pass; the CSV is the national registrations file of the throughput benchmark.

    python -m bench.reading make DIR            # write DIR/headline-100k.xlsx, DIR/reg-5m.csv
    python -m bench.reading time FILE FEED      # one load_file, in this process
    python -m bench.reading run DIR [--code ROOT] [--runs N]
    python -m bench --parts reading             # the same, files in --data-dir, results saved

`run` times `time` as a child process (wall, CPU, peak memory via GNU time), with ROOT first on
PYTHONPATH: point it at a `git worktree` of an older commit to measure the reader before a
change (`git worktree add /tmp/before HEAD`), and at nothing to measure the work tree.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

WORKBOOK_ROWS = 100_000
CSV_ROWS = 5_000_000
WORKBOOK = "headline-100k.xlsx"
CSV = "reg-5m.csv"
METRICS = ["gdp", "retail_sales", "fixed_asset_investment", "budget_revenue", "imports_exports"]


def make_workbook(path: Path, rows: int = WORKBOOK_ROWS) -> Path:
    """A headline statistics workbook as a statistics office keeps it: a title, the template
    header, then `rows` rows with the month as a date cell (yyyy-mm) and growth as a percent."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("指标")
    month = workbook.add_format({"num_format": "yyyy-mm"})
    percent = workbook.add_format({"num_format": "0.0%"})
    amount = workbook.add_format({"num_format": "#,##0.00"})
    sheet.write_row(0, 0, ["2024年主要经济指标"])
    sheet.write_row(
        1, 0, ["报告期", "指标代码", "指标名称", "本期累计值", "计量单位", "累计同比增长"]
    )
    for n in range(rows):
        row = n + 2
        sheet.write_number(row, 0, 45292 + (n % 12) * 31, month)
        sheet.write_string(row, 1, METRICS[n % len(METRICS)])
        sheet.write_string(row, 2, f"指标{n}")
        sheet.write_number(row, 3, 1000 + n * 0.25, amount)
        sheet.write_string(row, 4, "亿元")
        sheet.write_number(row, 5, (n % 200 - 50) / 1000, percent)
    workbook.close()
    return path


def make(folder: Path) -> None:
    from bench.synthetic import write_registrations

    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / WORKBOOK).exists():
        make_workbook(folder / WORKBOOK)
    if not (folder / CSV).exists():
        write_registrations(folder / CSV, CSV_ROWS)


def time_one(path: Path, feed: str) -> None:
    """Read `path` once with the code on sys.path and print rows and seconds as JSON."""
    import duckdb

    from pipelines.files.contracts import load_contract
    from pipelines.files.reading import load_file
    from pipelines.settings import SQL_ROOT

    con = duckdb.connect()
    con.execute((SQL_ROOT / "setup" / "parsers.sql").read_text(encoding="utf-8"))
    started = time.perf_counter()
    load_file(con, path, load_contract(feed), "loaded")
    seconds = time.perf_counter() - started
    (rows,) = con.execute("select count(*) from loaded").fetchone()
    print(json.dumps({"rows": rows, "load_file_seconds": round(seconds, 2)}))


def run(folder: Path, code: Path | None, runs: int) -> list[dict]:
    from bench.process import measure
    from pipelines.settings import PROJECT_ROOT

    # The script by its path, so that `pipelines` comes from ROOT, which may predate this file.
    env = {"PYTHONPATH": str(code or PROJECT_ROOT)}
    results = []
    for name, feed in ((WORKBOOK, "headline_statistics"), (CSV, "enterprise_registrations")):
        for _ in range(runs):
            command = [sys.executable, __file__, "time", str(folder / name), feed]
            measured = measure(command, env=env, cwd=code or PROJECT_ROOT)
            results.append({"file": name, "code": str(code or "work tree")} | measured.as_dict())
            print(json.dumps(results[-1]), flush=True)
    return results


def run_part(data_dir: Path, runs: int, log) -> dict:
    """`python -m bench --parts reading`: the files under DATA_DIR/reading, then `runs` timed
    reads of each with the code the benchmark measures."""
    folder = data_dir / "reading"
    log(f"reading: writing {WORKBOOK_ROWS:,}-row workbook and {CSV_ROWS:,}-row CSV")
    make(folder)
    return {"runs": run(folder, None, runs)}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reading", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("make").add_argument("folder", type=Path)
    timed = commands.add_parser("time")
    timed.add_argument("file", type=Path)
    timed.add_argument("feed")
    runner = commands.add_parser("run")
    runner.add_argument("folder", type=Path)
    runner.add_argument("--code", type=Path)
    runner.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    if args.command == "make":
        make(args.folder)
    elif args.command == "time":
        time_one(args.file, args.feed)
    else:
        run(args.folder, args.code, args.runs)


if __name__ == "__main__":
    main(sys.argv[1:])
