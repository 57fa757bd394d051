"""The README's screenshots, taken from a real `workplan ui` on the demo with headless Chromium:
the asset graph, a rejected file as the operator sees it (the `gx_suite` check's metadata, after
a bad file is dropped in landing and the sensor's run rejects it), and the GX Data Docs page of
a submission.

    .venv/bin/python -m bench.screenshots [--out docs]

It builds the demo in a temporary folder (`workplan demo`), starts `workplan ui` on a free port
of 127.0.0.1, and drives Chromium through the DevTools protocol (bench/devtools.py): Dagster's UI
is a JavaScript application, so each shot waits until the page shows the text it is about.
The UI is started and stopped as the tests do it (tests/helpers.py, `workplan_ui`).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.devtools import chromium_page
from pipelines.files.contracts import load_contract
from pipelines.settings import PROJECT_ROOT

WORKPLAN = str(Path(sys.executable).parent / "workplan")
WIDTH, HEIGHT = 1440, 900
DRAW_SECONDS = 90.0
RUN_SECONDS = 600.0
RELOAD_SECONDS = 20.0
FEED = "tourism_revenue"
REJECTED_FILE = "2024年3月旅游收入（待核实）.csv"


def drop_rejected_file(home: Path) -> str:
    """Drop a March tourism workbook from 文化广电和旅游局 whose second row has its revenue typed
    as a note (待核实): half its rows break a rule, so the check rejects it. Its name."""
    contract = load_contract(FEED)
    folder = home / "landing" / FEED / "culture_tourism"
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        ["2024-03", "太阳岛景区", "12000", "860.5"],
        ["2024-03", "伏尔加庄园", "8000", "待核实"],
    ]
    with open(folder / REJECTED_FILE, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.header_zh for c in contract.columns])
        writer.writerows(rows)
    return REJECTED_FILE


def data_docs_page(home: Path) -> Path:
    """The Data Docs page of a validation that failed some expectations (the most telling)."""
    pages = sorted((home / "reports" / "data_docs" / "validations").rglob("*.html"))
    for page in pages:
        if "ge-failed-icon" in page.read_text(encoding="utf-8") or "Failed" in page.read_text(
            encoding="utf-8"
        ):
            return page
    if not pages:
        raise RuntimeError("the demo drew no Data Docs page")
    return pages[0]


def wait_for_text(page, text: str, seconds: float = DRAW_SECONDS, url: str | None = None) -> None:
    """Wait until the page's body shows `text` (Dagster's UI draws after its data arrives);
    with `url`, load it again every `RELOAD_SECONDS` (a run the sensor started must finish
    first, and the check's page shows the result it had when it was loaded)."""
    deadline = time.monotonic() + seconds
    reload_at = time.monotonic() + RELOAD_SECONDS
    while time.monotonic() < deadline:
        if page.evaluate(f"document.body && document.body.innerText.includes({text!r})"):
            time.sleep(2.0)  # let the layout and fonts settle
            return
        time.sleep(0.5)
        if url and time.monotonic() > reload_at:
            page.open(url)
            reload_at = time.monotonic() + RELOAD_SECONDS
    raise TimeoutError(f"the page never showed {text!r}")


def shoot(out: Path, chromium: str) -> list[Path]:
    from tests.helpers import workplan_ui

    home = Path(tempfile.mkdtemp(prefix="workplan-screenshots-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKPLAN_", "DAGSTER_"))}
    env["WORKPLAN_HOME"] = str(home)
    try:
        subprocess.run([WORKPLAN, "demo"], env=env, check=True, capture_output=True)  # noqa: S603
        file_name = drop_rejected_file(home)
        shots = []
        with (
            workplan_ui(home) as port,
            chromium_page(chromium, offline=False, width=WIDTH, height=HEIGHT) as page,
        ):
            base = f"http://127.0.0.1:{port}"
            page.open(f"{base}/asset-groups")
            wait_for_text(page, "tourism_revenue")
            shots.append(page.screenshot(out / "asset-graph.png", WIDTH, HEIGHT))
            # The sensor takes the dropped file; its run's check rejects it.
            check = f"{base}/assets/raw/{FEED}?view=checks&checkDetail=gx_suite"
            page.open(check)
            wait_for_text(page, file_name, RUN_SECONDS, url=check)
            shots.append(page.screenshot(out / "rejected-file.png", WIDTH, HEIGHT))
            page.open(data_docs_page(home).as_uri())
            wait_for_text(page, "Validation Filter")
            shots.append(page.screenshot(out / "gx-data-docs.png", WIDTH, HEIGHT))
        return shots
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.screenshots")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args(argv)
    for path in shoot(args.out, args.chromium):
        print(path)


if __name__ == "__main__":
    main()
