"""The nightly rebuild at district scale: the demo's department files, first run and re-run.

The demo (2023-01 to 2024-10, every feed and department) is what the district's warehouse holds
by November. Its files are written untimed, then `workplan refresh` is measured twice per run on
a fresh deployment: first with every file still to receive, then with everything received, which
is what `nightly_refresh` does each night. The national-scale re-run is measured with throughput.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from bench.dagster_runs import step_seconds
from bench.process import measure
from bench.throughput import WORKPLAN, deployment_env
from pipelines.cli import DEMO_THROUGH
from pipelines.demo.scenario import write_demo_feeds


def run(runs: int, data_dir: Path, guard_bytes: int, log) -> dict:
    """First and repeated full refreshes of the demo, `runs` times each."""
    results: dict = {"first": [], "nightly": [], "first_steps": {}, "nightly_steps": {}}
    for number in range(1, runs + 1):
        home = Path(tempfile.mkdtemp(prefix="workplan-bench-demo-", dir=data_dir))
        try:
            files = write_demo_feeds(home / "landing", through=DEMO_THROUGH)
            env = deployment_env(home)
            for kind in ("first", "nightly"):
                measured = measure([WORKPLAN, "refresh"], env=env, guard_bytes=guard_bytes)
                results[kind].append(measured.as_dict())
                results[f"{kind}_steps"] = step_seconds(home / "dagster")
                log(
                    f"demo ({len(files)} files), run {number}: {kind} {measured.wall_seconds:.1f} s"
                )
        finally:
            shutil.rmtree(home, ignore_errors=True)
    return results
