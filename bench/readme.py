"""Render the latest results of each part as the README's benchmark tables.

Each part (throughput, latency, nightly, increments) keeps its latest full run in
`bench/results/<part>.json`; the README shows them all between the `bench:start` and `bench:end`
markers, so parts can be re-measured one at a time and the tables still show every figure with
the date it was measured.
Figures are medians of whole-process wall time and peak RSS; memory is in decimal GB (10^9 bytes).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
# The quick parts first: a long throughput run interrupted late still leaves their figures.
PARTS = ("nightly", "latency", "increments", "throughput")
TARGET_RATIO = 1.5
TARGET_RSS_BYTES = 1.5e9
TARGET_P50 = 10.0
TARGET_P95 = 20.0
TARGET_NIGHTLY = 30.0
# Issue 16: the first refresh against the raw load (largest size, and 5M rows), a quiet night at
# national scale, a month added against that month's raw load, and the district latency.
TARGET_FIRST_RATIO = {25_000_000: 2.5, 5_000_000: 3.0}
TARGET_QUIET = 10.0
TARGET_MONTH_RATIO = 2.5
TARGET_P50_16 = 8.0
TARGET_P95_16 = 12.0
# The steps of a sensor's run that come after its rows are published.
AFTER_PUBLISH = {"analysts__scorecard", "analysts__gx_data_docs", "month_owed"}
# How many of a run's slowest steps a missed target names.
SLOWEST = 3
# The steps that carry the feed's rows, in the order they run, and how the table names them.
FEED_STEPS = {
    "raw__enterprise_registrations": "receive",
    "raw__enterprise_registrations_gx_suite": "suite check",
    "staging__enterprise_registrations": "staging",
    "facts": "facts",
    "marts__feed_metrics": "feed metrics",
    "analysts__warehouse_file": "publish",
    "analysts__scorecard": "scorecard",
}


def gb(size: float) -> str:
    return f"{size / 1e9:.2f} GB"


def median_of(runs: list[dict], field: str) -> float | None:
    ok = [r[field] for r in runs if r["ok"] and field in r]
    return statistics.median(ok) if ok else None


def failure(runs: list[dict]) -> str | None:
    """How the first failed run ended, in words, or None when every run succeeded."""
    for measured in runs:
        if not measured["ok"]:
            how = measured["stopped_by"] or f"exit code {measured['exit_code']}"
            return (
                f"failed ({how}) after {measured['wall_seconds']:.0f} s "
                f"at {gb(measured['peak_rss_bytes'])}"
            )
    return None


def seconds_and_rss(runs: list[dict]) -> tuple[str, str]:
    """The median time and peak RSS of the runs as table cells, or the failure."""
    failed = failure(runs)
    if failed or not runs:
        return failed or "not measured", "–"
    cpu = median_of(runs, "cpu_seconds")
    wall = f"{median_of(runs, 'wall_seconds'):.1f} s" + (f" (CPU {cpu:.0f} s)" if cpu else "")
    return wall, gb(median_of(runs, "peak_rss_bytes"))


def throughput_rows(sizes: list[dict]) -> list[str]:
    lines = [
        "| rows | file | raw DuckDB load | its peak RSS | project, first refresh | its peak RSS "
        "| ratio | nightly re-run | its peak RSS | runs |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        raw_time, raw_rss = seconds_and_rss(size["raw"])
        firsts = [p["first"] for p in size["project"]]
        nightlies = [p["nightly"] for p in size["project"] if "nightly" in p]
        first_time, first_rss = seconds_and_rss(firsts)
        nightly_time, nightly_rss = seconds_and_rss(nightlies) if nightlies else ("–", "–")
        raw_median, first_median = (
            median_of(size["raw"], "wall_seconds"),
            median_of(firsts, "wall_seconds") if not failure(firsts) else None,
        )
        ratio = f"{first_median / raw_median:.1f}×" if raw_median and first_median else "–"
        lines.append(
            f"| {size['rows']:,} | {gb(size['file_bytes'])} | {raw_time} | {raw_rss} "
            f"| {first_time} | {first_rss} | {ratio} | {nightly_time} | {nightly_rss} "
            f"| {len(size['raw'])} / {len(firsts)} |"
        )
    return lines


def step_rows(sizes: list[dict]) -> list[str]:
    """Where a first refresh spends its time, per size (the last run's Dagster step timings)."""
    measured = [s for s in sizes if s["project"] and s["project"][-1].get("first_steps")]
    if not measured:
        return []
    lines = [
        "| rows | " + " | ".join(FEED_STEPS.values()) + " | other steps | outside the job |",
        "|---:|" + "---:|" * (len(FEED_STEPS) + 2),
    ]
    for size in measured:
        project = size["project"][-1]
        steps = project["first_steps"]
        other = sum(v for k, v in steps.items() if k not in FEED_STEPS)
        outside = project["first"]["wall_seconds"] - sum(steps.values())
        cells = [f"{steps[key]:.1f}" if key in steps else "–" for key in FEED_STEPS]
        if not project["first"]["ok"]:
            # The step that was running when the run was stopped never reported its time: it is
            # what is left of the wall time, start-up included.
            cells[cells.index("–")] = f"stopped after ≤ {outside:.0f}"
            outside_cell = "–"
        else:
            outside_cell = f"{outside:.1f}"
        lines.append(f"| {size['rows']:,} | {' | '.join(cells)} | {other:.1f} | {outside_cell} |")
    return lines


def latency_rows(result: dict) -> list[str]:
    drops = result["drops"]

    def middle(field: str) -> str:
        values = [d[field] for d in drops if field in d]
        return f"{statistics.median(values):.1f} s" if values else "–"

    return [
        "| drops (rows each) | published | p50 | p95 | run created after | run started after "
        "| run duration |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {len(drops)} ({result['rows_per_drop']}) | {result['published']} "
        f"| {result['p50']:.1f} s | {result['p95']:.1f} s | {middle('run_created_after')} "
        f"| {middle('run_started_after')} | {middle('run_seconds')} |",
    ]


def nightly_rows(result: dict | None, sizes: list[dict]) -> list[str]:
    lines = ["| deployment | refresh | wall time | peak RSS | runs |", "|---|---|---:|---:|---:|"]
    if result:
        for kind, label in (("first", "first run (all files new)"), ("nightly", "re-run")):
            time_cell, rss_cell = seconds_and_rss(result[kind])
            lines.append(
                f"| demo (district) | {label} | {time_cell} | {rss_cell} | {len(result[kind])} |"
            )
    for size in sizes:
        nightlies = [p["nightly"] for p in size["project"] if "nightly" in p]
        time_cell, rss_cell = seconds_and_rss(nightlies) if nightlies else ("not reached", "–")
        lines.append(
            f"| {size['rows']:,} registrations | re-run | {time_cell} | {rss_cell} "
            f"| {len(nightlies)} |"
        )
    return lines if len(lines) > 2 else []


def verdict(met: bool | None) -> str:
    return "–" if met is None else ("met" if met else "**not met**")


def target_rows(results: dict[str, dict]) -> list[str]:
    """Each target of issue 7 with the figure measured against it."""
    lines = ["| target | measured | |", "|---|---|---|"]
    sizes = results.get("throughput", {}).get("results", {}).get("sizes", [])
    if sizes:
        largest = sizes[-1]
        firsts = [p["first"] for p in largest["project"]]
        failed = failure(firsts)
        raw = median_of(largest["raw"], "wall_seconds")
        first = None if failed else median_of(firsts, "wall_seconds")
        ratio = first / raw if first and raw else None
        rss = None if failed else median_of(firsts, "peak_rss_bytes")
        label = f"{largest['rows']:,}-row feed"
        lines.append(
            f"| {label} within {TARGET_RATIO}× of the raw DuckDB load "
            f"| {f'{ratio:.1f}×' if ratio else failed} "
            f"| {verdict(ratio <= TARGET_RATIO if ratio else False)} |"
        )
        lines.append(
            f"| {label}: peak RSS under {gb(TARGET_RSS_BYTES)} | {gb(rss) if rss else failed} "
            f"| {verdict(rss < TARGET_RSS_BYTES if rss else False)} |"
        )
    latency = results.get("latency", {}).get("results")
    if latency:
        for name, limit in (("p50", TARGET_P50), ("p95", TARGET_P95)):
            lines.append(
                f"| event latency {name} under {limit:.0f} s | {latency[name]:.1f} s "
                f"| {verdict(latency[name] < limit)} |"
            )
    nightly = results.get("nightly", {}).get("results")
    if nightly:
        for kind, label in (("nightly", "re-run"), ("first", "first run")):
            failed = failure(nightly[kind])
            value = median_of(nightly[kind], "wall_seconds")
            lines.append(
                f"| demo nightly refresh ({label}) under {TARGET_NIGHTLY:.0f} s "
                f"| {failed or f'{value:.1f} s'} "
                f"| {verdict(not failed and value < TARGET_NIGHTLY)} |"
            )
    return lines


def slowest(steps: dict[str, float]) -> str:
    """The run's slowest steps, as the table names them where it does."""
    top = sorted(steps.items(), key=lambda item: -item[1])[:SLOWEST]
    return ", ".join(f"{FEED_STEPS.get(name, name)} {seconds:.1f} s" for name, seconds in top)


def first_refresh_rows(sizes: list[dict]) -> list[str]:
    """Issue 16's first-refresh targets: each measured size that has one."""
    lines = []
    for size in sizes:
        limit = TARGET_FIRST_RATIO.get(size["rows"])
        firsts = [p["first"] for p in size["project"]]
        if limit is None or failure(firsts):
            continue
        raw, first = median_of(size["raw"], "wall_seconds"), median_of(firsts, "wall_seconds")
        ratio = first / raw
        steps = size["project"][-1].get("first_steps") or {}
        why = "" if ratio <= limit else slowest(steps)
        lines.append(
            f"| {size['rows']:,} rows, first refresh ≤ {limit}× the raw load "
            f"| {first:.1f} s against {raw:.1f} s, {ratio:.1f}× | {verdict(ratio <= limit)} "
            f"| {why} |"
        )
        if size["rows"] == max(TARGET_FIRST_RATIO):
            rss = median_of(firsts, "peak_rss_bytes")
            lines.append(
                f"| {size['rows']:,} rows, peak RSS ≤ {gb(TARGET_RSS_BYTES)} | {gb(rss)} "
                f"| {verdict(rss <= TARGET_RSS_BYTES)} | |"
            )
    return lines


def increment_rows(result: dict) -> list[str]:
    """Issue 16's targets for work that must not grow with the year (one run: the last that
    went through, with the raw load measured just before it)."""
    whole = [
        (run, raw["wall_seconds"])
        for run, raw in zip(result["runs"], result["raw_month"], strict=False)
        if run.get("quiet_after_month", {}).get("ok")
    ]
    if not whole:
        return []
    run, raw = whole[-1]
    quiet = max(run["quiet_night"]["wall_seconds"], run["quiet_after_month"]["wall_seconds"])
    month = run["month_added"]["wall_seconds"]
    ratio = month / raw
    met = ratio <= TARGET_MONTH_RATIO
    rows = result["rows"]
    counted = [run[kind]["published"].get("fact_rows") for kind in ("first", "quiet_after_month")]
    exact = counted == [rows, rows + result["month_rows"]]
    shown = " then ".join(f"{count:,}" for count in counted if count is not None)
    return [
        f"| a quiet night at {rows:,} rows ≤ {TARGET_QUIET:.0f} s | {quiet:.1f} s (the slower "
        f"of the nights before and after the month) | {verdict(quiet <= TARGET_QUIET)} "
        f"| {'' if quiet <= TARGET_QUIET else slowest(run['quiet_night']['steps'])} |",
        f"| a {result['month_rows']:,}-row month added ≤ {TARGET_MONTH_RATIO}× its raw load "
        f"| {month:.1f} s against {raw:.1f} s, {ratio:.1f}× | {verdict(met)} "
        f"| {'' if met else slowest(run['month_added']['steps'])} |",
        f"| every accepted row in the facts exactly once | {shown} | {verdict(exact)} | |",
    ]


def latency_parts(drops: list[dict]) -> str:
    """Where a drop's time goes, medians: until the sensor's run exists, until it starts, and
    the run's slowest steps before the publish (the leaders' pages and the month-owed checks
    come after it)."""
    steps = {}
    for drop in drops:
        for name, seconds in drop.get("steps", {}).items():
            if name not in AFTER_PUBLISH:
                steps.setdefault(name, []).append(seconds)
    middle = {name: statistics.median(values) for name, values in steps.items()}
    created = statistics.median(d["run_created_after"] for d in drops if "run_created_after" in d)
    started = statistics.median(d["run_started_after"] for d in drops if "run_started_after" in d)
    return f"run created {created:.1f} s, started {started:.1f} s after the drop; {slowest(middle)}"


def issue16_rows(results: dict[str, dict]) -> list[str]:
    """Each target of issue 16 with the figure measured against it and, when it is missed, the
    slowest steps of the run measured."""
    lines = ["| target | measured | | slowest steps when missed |", "|---|---|---|---|"]
    lines += first_refresh_rows(results.get("throughput", {}).get("results", {}).get("sizes", []))
    if "increments" in results:
        lines += increment_rows(results["increments"]["results"])
    latency = results.get("latency", {}).get("results")
    if latency:
        for name, limit in (("p50", TARGET_P50_16), ("p95", TARGET_P95_16)):
            met = latency[name] <= limit
            why = "" if met else latency_parts(latency["drops"])
            lines.append(
                f"| district latency {name} ≤ {limit:.0f} s | {latency[name]:.1f} s "
                f"| {verdict(met)} | {why} |"
            )
    return lines if len(lines) > 2 else []


def provenance(results: dict[str, dict]) -> list[str]:
    lines = []
    for part, result in results.items():
        settings = ", ".join(f"{k} {v}" for k, v in result["settings"].items())
        lines.append(
            f"- {part}: measured {result['measured_at']} at commit `{result['commit']}` "
            f"({settings}; load average before {result['load_before']:.1f})"
        )
    return lines


def render(results: dict[str, dict]) -> str:
    """The markdown between the markers."""
    sizes = results.get("throughput", {}).get("results", {}).get("sizes", [])
    sections = [
        ("Targets (issue 16)", issue16_rows(results)),
        ("Targets (issue 7)", target_rows(results)),
    ]
    if sizes:
        sections.append(("Throughput: one registrations file, medians", throughput_rows(sizes)))
        sections.append(
            ("Where a first refresh spends its time (seconds, one run)", step_rows(sizes))
        )
    if "latency" in results:
        sections.append(
            (
                "Event latency with `workplan ui` running",
                latency_rows(results["latency"]["results"]),
            )
        )
    sections.append(
        (
            "Full refresh (`refresh_all`)",
            nightly_rows(results.get("nightly", {}).get("results"), sizes),
        )
    )
    sections.append(("Measured", provenance(results)))
    body = []
    for title, lines in sections:
        if lines:
            body += [f"**{title}**", "", *lines, ""]
    return "\n".join(body)


def load_results(folder: Path) -> dict[str, dict]:
    return {
        part: json.loads((folder / f"{part}.json").read_text())
        for part in PARTS
        if (folder / f"{part}.json").exists()
    }


def update_readme(readme: Path, folder: Path) -> None:
    """Replace what is between the markers with the tables of the latest results."""
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{render(load_results(folder))}{END}{tail}", encoding="utf-8")
