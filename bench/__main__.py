"""`python -m bench`: measure throughput, event latency and the nightly refresh; update README.

Each part writes its raw results to `bench/results/<part>.json`, committed so that a part
measured alone in a fresh checkout keeps the other parts' figures, and the README's Benchmarks
section is re-rendered from the latest result of every part. `--quick` (1M rows, one run, three
drops) is for development: its results go to `bench/results/quick/` (not committed) and the
README is left alone, so a quick check never replaces the figures of a full run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import increments, latency, nightly, reading, throughput
from bench.process import GIB
from bench.readme import PARTS, update_readme
from pipelines.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
SUFFIXES = {"k": 1_000, "m": 1_000_000}


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


def git(*args: str) -> bytes:
    return subprocess.run(
        ["git", *args],  # noqa: S607 - git from PATH, fixed arguments
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout


@contextmanager
def snapshot(folder: Path) -> Iterator[str]:
    """Measure HEAD as committed: its files in a temporary folder, first on every child's path.

    Others edit the work tree while a benchmark runs for an hour; a run must not switch code (or
    warehouse schema) halfway. `git archive` writes HEAD's files, and PYTHONPATH puts them before
    the editable install for every process the benchmark starts, `workplan ui`'s code server too.
    Yields the commit measured.
    """
    commit = git("rev-parse", "--short", "HEAD").decode().strip()
    with tempfile.TemporaryDirectory(prefix="workplan-bench-code-", dir=folder) as code:
        archive = git("archive", commit)
        subprocess.run(["tar", "-x", "-C", code], input=archive, check=True)  # noqa: S607
        before = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = code
        try:
            yield commit
        finally:
            if before is None:
                os.environ.pop("PYTHONPATH")
            else:
                os.environ["PYTHONPATH"] = before


def main(argv: list[str]) -> None:
    args = arguments(argv)
    guard = int(args.memory_guard_gb * GIB)
    folder = RESULTS / "quick" if args.quick else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    settings = {
        "throughput": {"sizes": args.sizes, "runs": args.runs},
        "nightly": {"runs": args.runs},
        "latency": {"drops": args.drops},
        "reading": {"runs": args.runs},
        "increments": {"rows": "25M", "month_rows": "2M", "runs": args.runs},
    }
    with snapshot(args.data_dir) as measured_commit:
        for part in args.parts.split(","):
            header = {
                "part": part,
                "commit": measured_commit,
                "settings": settings[part] | {"memory guard GiB": args.memory_guard_gb},
                "load_before": os.getloadavg()[0],
                "machine": {
                    "cores": os.cpu_count(),
                    "memory_bytes": os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"),
                },
            }
            started = time.monotonic()
            log(f"{part}: starting")
            measure_part(part, args, guard, functools.partial(save, folder, header, args.quick))
            log(f"{part}: done in {time.monotonic() - started:.0f} s")


def measure_part(part: str, args: argparse.Namespace, guard: int, save) -> None:
    if part == "throughput":
        sizes = [row_count(s) for s in args.sizes.split(",")]
        throughput.run(sizes, args.runs, args.data_dir, guard, log, save)
    elif part == "nightly":
        save(nightly.run(args.runs, args.data_dir, guard, log))
    elif part == "reading":  # not in the README's tables: its figures are quoted by hand
        save(reading.run_part(args.data_dir, args.runs, log))
    elif part == "increments":  # quoted by hand too (issue 16): a quiet night, a month added
        save(increments.run(25_000_000, 2_000_000, args.runs, args.data_dir, guard, log))
    else:
        save(latency.run(args.drops, args.data_dir, guard, log))


def save(folder: Path, header: dict, quick: bool, results: dict) -> None:
    """Write a part's results so far, and the README's tables unless this is a quick run."""
    measured_at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    record = header | {"measured_at": measured_at, "results": results}
    (folder / f"{header['part']}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
    if not quick:
        update_readme(PROJECT_ROOT / "README.md", folder)


if __name__ == "__main__":
    main(sys.argv[1:])
