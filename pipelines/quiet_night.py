"""A quiet night: nothing arrived and nothing is left undone, so the nightly run re-scores only.

The nightly refresh (the schedule and `workplan refresh`) exists because 序时进度 moves with the
calendar. When no landing file changed since each receiving asset last looked, the code is the
code that looked, the warehouse is the one it wrote, and every step downstream of those receipts
finished after them, receiving, validating, staging and writing the facts again would redo the
same work: the run takes the assets that read the judging date (`rescore_selection`: months owed,
pace, the scorecard's history and the published files) and their checks, in seconds whatever the
facts' size. When only some departments' feeds have new files (and nothing else changed), the
night runs what their sensors would have run: those feeds received, validated and staged, then
the re-scoring. Anything else (the plans, a stray file, the code, another warehouse file, a run
stopped half way), or any doubt, and it is the full refresh it always was; which, and why, is
named on the run (the `nightly` tag) and in the command's output.

Each receiving asset records `landing_state` on its materialization: a digest of the paths, sizes,
inodes and modification times it was about to receive (taken before it reads them, so a file that
changes meanwhile only makes the next night a full one), the code's digest and the warehouse
file's identity (a rebuilt or restored warehouse is another file).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines.files.contracts import FEEDS
from pipelines.settings import PROJECT_ROOT
from pipelines.store.ingest import NOT_SUBMISSIONS, feed_of

# The metadata entry a receiving asset records (see the module's docstring).
LANDING_STATE = "landing_state"
# The `nightly` tag of a quiet night's run (a full one says why it is not quiet).
NIGHTLY_TAG = "nightly"
QUIET = "quiet: nothing new, pace re-scored"
# The feed whose files set the targets: a new plan restages every feed, so its night is full.
PLANS = "plans"
# The scope of the stray-files asset: landing outside every feed's folder.
STRAY_SCOPE = "stray_files"
# What defines the work besides the data: code, SQL, suites, contracts and the seed catalogue.
CODE_FOLDERS = ("assets", "catalog", "contracts", "expectations", "pipelines", "sql")
CODE_SUFFIXES = {".py", ".sql", ".json", ".yaml", ".yml", ".csv", ".j2"}
# The plan's targets feed every staging view, but their content changes only with the plans
# feed's own files, whose receipt is checked like any other: an ingest run that re-derives
# them for one feed leaves the other feeds' staging steps current.
DERIVED_FROM_RECEIPTS = "reference"


def landing_digests(landing: Path) -> dict[str, str]:
    """A digest per receiving scope (each feed's folder, and `STRAY_SCOPE` for the rest) of every
    visible entry's relative path, size, inode and modification time; read by stat alone."""
    entries: dict[str, list[str]] = {scope: [] for scope in (*FEEDS, STRAY_SCOPE)}
    root = landing.resolve()
    if root.is_dir():
        for folder, dirs, files in os.walk(root):
            dirs[:] = [name for name in dirs if not name.startswith(NOT_SUBMISSIONS)]
            for name in files:
                if name.startswith(NOT_SUBMISSIONS):
                    continue
                path = Path(folder) / name
                try:
                    stat = path.lstat()
                except FileNotFoundError:
                    continue
                relative = path.relative_to(root)
                entries[feed_of(relative) or STRAY_SCOPE].append(
                    f"{relative}\t{stat.st_size}\t{stat.st_ino}\t{stat.st_mtime_ns}"
                )
    return {scope: digest(sorted(lines)) for scope, lines in entries.items()}


def code_digest() -> str:
    """A digest of the files that define what a run does with the data."""
    lines = []
    for name in CODE_FOLDERS:
        for path in sorted((PROJECT_ROOT / name).rglob("*")):
            if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts:
                content = hashlib.sha256(path.read_bytes()).hexdigest()
                lines.append(f"{path.relative_to(PROJECT_ROOT)}\t{content}")
    return digest(lines)


def landing_state(landing: Path, warehouse: Path, scope: str) -> str:
    """What a receiving asset records before it receives `scope` (a feed, or `STRAY_SCOPE`)."""
    return _states(landing, warehouse)[scope]


def _states(landing: Path, warehouse: Path) -> dict[str, str]:
    try:
        stat = warehouse.stat()
        identity = f"{stat.st_dev}:{stat.st_ino}"
    except FileNotFoundError:
        identity = "none"
    code = code_digest()
    return {
        scope: digest([scope, landed, code, identity])
        for scope, landed in landing_digests(landing).items()
    }


def digest(lines: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def rescore_selection() -> dg.AssetSelection:
    """The assets a quiet night runs: marts.feed_status, where the judging date enters the marts,
    and everything downstream of it (pace, the scorecard's history, the published files); and
    the month-owed checks on the landing assets."""
    from assets.landing import FEED_STATUS, month_owed_checks

    judged = dg.AssetSelection.assets(FEED_STATUS).downstream()
    return judged.required_multi_asset_neighbors() | month_owed_checks


@dataclass(frozen=True)
class NightlyChoice:
    """What the nightly run does: a subset of the full refresh (`assets`, `checks`) or, with
    both None, the whole of it; `tag` says which, and why, on the run."""

    assets: set[dg.AssetKey] | None
    checks: set[dg.AssetCheckKey] | None
    tag: str


def nightly_choice(
    instance: dg.DagsterInstance, asset_graph, landing: Path, warehouse: Path
) -> NightlyChoice:
    """The re-scoring alone when nothing is new or undone; when only some departments' feeds
    have new files, what each of their sensors would run (receive, validate and stage those
    feeds, then re-score); in any doubt, the full refresh."""
    from pipelines.jobs import ingest_selection

    try:
        changed = changed_feeds(instance, asset_graph, landing, warehouse)
    except FullRefresh as reason:
        return NightlyChoice(None, None, f"full: {reason}")
    except Exception as error:  # noqa: BLE001 - in doubt, the full refresh
        return NightlyChoice(None, None, f"full: could not tell ({type(error).__name__})")
    selection = rescore_selection()
    for feed in changed:
        selection = selection | ingest_selection(feed)
    tag = f"partial: new files for {', '.join(changed)}" if changed else QUIET
    return NightlyChoice(selection.resolve(asset_graph), selection.resolve_checks(asset_graph), tag)


class FullRefresh(Exception):  # noqa: N818 - a decision, raised with its reason
    """The nightly run must do everything, for the reason given."""


def changed_feeds(
    instance: dg.DagsterInstance, asset_graph, landing: Path, warehouse: Path
) -> list[str]:
    """The department feeds whose landing changed since their raw asset looked (none on a quiet
    night); raises FullRefresh when that is not all there is to do: an asset never materialized,
    one older than what it reads (a run stopped half way), or a change to the plans, to the
    files outside every feed's folder, to the code or to the warehouse file."""
    rescored = rescore_selection().resolve(asset_graph)
    kept = {
        key
        for key in asset_graph.materializable_asset_keys - rescored
        if asset_graph.get(key).group_name != "landing"
    }
    records = {
        record.asset_entry.asset_key: record.asset_entry.last_materialization_record
        for record in instance.get_asset_records(list(kept))
    }
    if never := sorted(key.to_user_string() for key in kept if records.get(key) is None):
        raise FullRefresh(f"never materialized: {never[0]}")
    ordered = sorted(kept, key=lambda key: key.to_user_string())
    for key in ordered:
        for parent in asset_graph.get(key).parent_keys & kept:
            if asset_graph.get(parent).group_name == DERIVED_FROM_RECEIPTS:
                continue
            if records[parent].storage_id > records[key].storage_id:
                raise FullRefresh(f"{key.to_user_string()} is older than {parent.to_user_string()}")
    states = _states(landing, warehouse)
    changed = []
    for key in ordered:
        if key.path[0] != "raw":
            continue
        recorded = records[key].asset_materialization.metadata.get(LANDING_STATE)
        scope = key.path[-1]
        if recorded is not None and recorded.value == states.get(scope):
            continue
        if scope not in FEEDS or scope == PLANS:
            raise FullRefresh(
                f"{key.to_user_string()}: landing, code or warehouse changed since it looked"
            )
        changed.append(scope)
    return changed
