"""`python -m bench`: measure throughput, event latency and the nightly refresh; update README.

Each part writes its raw results to `bench/results/<part>.json` (gitignored) and the README's
Benchmarks section is re-rendered from the latest result of every part. `--quick` (1M rows, one
run, three drops) is for development: its results go to `bench/results/quick/` and the README is
left alone, so a quick check never replaces the figures of a full run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import latency, nightly, throughput
from bench.process import GIB
from bench.readme import PARTS, update_readme
from pipelines.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
SUFFIXES = {"k": 1_000, "m": 1_000_000}
# What the figures depend on: a run on a work tree that differs here is labelled so.
MEASURED_PATHS = ("pipelines", "assets", "sql", "expectations", "contracts", "dagster.yaml")


def row_count(text: str) -> int:
    """'1M', '5m', '250k' or '1000000' as a number of rows."""
    text = text.strip().lower()
    if text[-1:] in SUFFIXES:
        return int(float(text[:-1]) * SUFFIXES[text[-1]])
    return int(text)


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1M rows, 1 run, 3 drops; no README")
    parser.add_argument("--sizes", default="1M,5M,25M", help="row counts (default 1M,5M,25M)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument("--drops", type=int, default=20, help="latency drops (default 20)")
    parser.add_argument("--parts", default=",".join(PARTS), help="which parts to measure")
    parser.add_argument(
        "--memory-guard-gb", type=float, default=14.0, help="kill a run past this RSS (GiB)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where files and deployments go",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.runs, args.drops = "1M", 1, 3
    return args


def log(message: str) -> None:
    print(f"{dt.datetime.now():%H:%M:%S} {message}", flush=True)


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args],  # noqa: S607 - git from PATH, fixed arguments
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()


def commit() -> str:
    """The commit measured, marked when the pipeline's files differ from it in the work tree."""
    changed = git("status", "--porcelain", "--", *MEASURED_PATHS).splitlines()
    head = git("rev-parse", "--short", "HEAD")
    return f"{head} + {len(changed)} uncommitted files" if changed else head


def main(argv: list[str]) -> None:
    args = arguments(argv)
    guard = int(args.memory_guard_gb * GIB)
    folder = RESULTS / "quick" if args.quick else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    parts = {
        "throughput": lambda: throughput.run(
            [row_count(s) for s in args.sizes.split(",")], args.runs, args.data_dir, guard, log
        ),
        "nightly": lambda: nightly.run(args.runs, args.data_dir, guard, log),
        "latency": lambda: latency.run(args.drops, args.data_dir, guard, log),
    }
    settings = {
        "throughput": {"sizes": args.sizes, "runs": args.runs},
        "nightly": {"runs": args.runs},
        "latency": {"drops": args.drops},
    }
    for part in args.parts.split(","):
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        log(f"{part}: starting")
        results = parts[part]()
        record = {
            "part": part,
            "measured_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "commit": commit(),
            "settings": settings[part] | {"memory guard GiB": args.memory_guard_gb},
            "load_before": load_before,
            "machine": {
                "cores": os.cpu_count(),
                "memory_bytes": os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"),
            },
            "results": results,
        }
        (folder / f"{part}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
        log(f"{part}: done in {time.monotonic() - started:.0f} s")
        if not args.quick:  # after each part, so a long later part cannot lose earlier figures
            update_readme(PROJECT_ROOT / "README.md", folder)
            log("README.md benchmarks updated")


if __name__ == "__main__":
    main(sys.argv[1:])
