"""`workplan`: what operators do without the UI: process the landing folder, rebuild, score.

Every run goes through the local Dagster instance, so it appears in the Dagster UI as well.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import uuid
from dataclasses import replace
from pathlib import Path

import click
import dagster as dg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipelines.files.contracts import FEEDS
from pipelines.instance import local_instance
from pipelines.jobs import ingest_job_name
from pipelines.quiet_night import NIGHTLY_TAG, nightly_choice
from pipelines.reports import alerts
from pipelines.reports.report import UnknownPlanYear, write_reports
from pipelines.reports.scorecard import read_scorecard, render
from pipelines.settings import DEPLOYMENT_FILE, PROJECT_ROOT, Settings, SettingsError
from pipelines.store.arrivals import scan

# Logs and pipes get a width that fits the scorecard; a terminal keeps its own.
console = Console(width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160)
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
PROGRESS_POLL_SECONDS = 0.25
STEP_ENDS = {
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_SKIPPED,
}
# The demo's story runs to October of its second plan year, judged the week after it was due.
DEMO_THROUGH = "2025-10"
DEMO_AS_OF_DATE = "2025-11-20"


def run_job(job_name: str, settings: Settings, *, nightly: bool = False) -> bool:
    """Run one job in process on the local instance, with a progress bar over its steps.

    `nightly` is the nightly schedule's choice made here (pipelines/quiet_night.py): on a quiet
    night the job's re-scoring subset, with new files for some feeds only what their sensors
    would run, else all of it; the run is tagged as the schedule's is."""
    from pipelines.definitions import build_definitions

    instance = local_instance(settings)
    defs = build_definitions(settings)
    job = defs.resolve_job_def(job_name)
    tags = {}
    if nightly:
        choice = nightly_choice(
            instance, defs.resolve_asset_graph(), settings.landing, settings.warehouse
        )
        if choice.assets is not None:
            job = job.get_subset(asset_selection=choice.assets, asset_check_selection=choice.checks)
            console.print(f"Nightly run, {choice.tag} (the rest is as the last runs left it)")
        tags[NIGHTLY_TAG] = choice.tag
    steps = len(job.graph.node_dict)
    run_id = str(uuid.uuid4())
    outcome: dict[str, object] = {}

    def execute() -> None:
        try:
            result = job.execute_in_process(
                instance=instance,
                run_id=run_id,
                run_config=QUIET_LOGS,
                raise_on_error=False,
                tags=tags,
            )
            outcome["success"] = result.success
        except Exception as error:  # reported below, after the progress bar closes
            outcome["error"] = error

    worker = threading.Thread(target=execute)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(job_name, total=steps)
        worker.start()
        cursor = None
        while worker.is_alive():
            worker.join(PROGRESS_POLL_SECONDS)
            # Only the steps finished since the last look: the run's thread shares the GIL.
            finished = instance.get_records_for_run(run_id, cursor=cursor, of_type=STEP_ENDS)
            cursor = finished.cursor
            progress.advance(task, len(finished.records))
        progress.update(task, completed=steps)
    if "error" in outcome:
        error = outcome["error"]
        line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise click.ClickException(f"{job_name} crashed: {line[:300]}")
    if not outcome["success"]:
        console.print(
            f"[red]{job_name} did not finish cleanly[/red]: a check failed or a step errored; "
            f"see run {run_id} in the Dagster UI, and ledger.submissions for rejected files."
        )
    return bool(outcome["success"])


def deliver_alerts(settings: Settings) -> None:
    """Post the alerts the run raised, now that it is over and holds nothing."""
    if not settings.alert_webhook:
        return
    with console.status("Delivering alerts…"):
        delivered = alerts.deliver(settings.warehouse, settings.alert_webhook)
    console.print(f"Alerts to the webhook: {delivered.describe()}")


def require_analysts_file(settings: Settings) -> None:
    if not settings.analysts.exists():
        raise click.ClickException(
            f"{settings.analysts} does not exist yet; run `workplan refresh` first."
        )


def feeds_with_files(settings: Settings) -> list[str]:
    return [feed for feed in FEEDS if scan(settings.landing, feed)]


class Commands(click.Group):
    """The `workplan` commands, reporting an unusable setting, folder or full disk as one line
    that says what is wrong and where, not as a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SettingsError as error:
            raise click.ClickException(str(error)) from None
        except OSError as error:
            where = f" ({error.filename})" if error.filename else ""
            raise click.ClickException(f"{error.strerror or error}{where}") from None


@click.group(cls=Commands)
def main() -> None:
    """Score the Harbin New Area's annual work plans from department feeds."""
    restore_stop_signals()


def restore_stop_signals() -> None:
    """Let SIGTERM and SIGINT stop this command and what it starts, even when it was started
    with them ignored (a shell's background job ignores SIGINT, a pytest-xdist worker also
    SIGTERM, and an ignored signal is inherited by every process started from it). Dagster stops
    the `tail -F` that mirrors each run's compute log with SIGTERM and waits 30 s for it: with
    the signal ignored every run took a minute longer and left the tails running, holding the
    command's output open for whoever reads it."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)


@main.command()
def ingest() -> None:
    """Process the landing folder now: each feed with files is received, validated and scored."""
    settings = Settings.from_env()
    for feed in feeds_with_files(settings):
        run_job(ingest_job_name(feed), settings)
    deliver_alerts(settings)


@main.command()
@click.option(
    "--full",
    is_flag=True,
    help="Receive, validate and rebuild everything even when nothing is new.",
)
def refresh(full: bool) -> None:
    """The nightly job: receive anything new and rebuild, re-scoring every indicator as of today
    (with nothing new or undone since the last runs, the re-scoring alone)."""
    settings = Settings.from_env()
    ok = run_job("refresh_all", settings, nightly=not full)
    deliver_alerts(settings)
    if not ok:
        raise SystemExit(1)


@main.command("rebuild")
def rebuild_command() -> None:
    """Re-create a lost or damaged warehouse from the archive, then refresh everything."""
    from pipelines.store.rebuild import rebuild

    settings = Settings.from_env()
    with console.status("Replaying the archive's arrivals…"):
        done = rebuild(settings)
    if done.set_aside:
        console.print(f"The previous warehouse was kept as {done.set_aside}")
    console.print(f"Replayed {done.replayed} arrivals from {settings.archive}")
    if done.missing:
        console.print(
            f"[red]{len(done.missing)} archived files are missing[/red] and were not replayed: "
            + ", ".join(done.missing[:10])
        )
    ok = run_job("refresh_all", settings)
    deliver_alerts(settings)
    if not ok or done.missing:
        raise SystemExit(1)


@main.command("backup")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the backup into, best on another disk or machine.",
)
def backup_command(out: Path) -> None:
    """Write a consistent backup: warehouse, ledger export, archive and manifest, receipts."""
    from pipelines.store.backup import BackupError, backup

    settings = Settings.from_env()
    with console.status("Backing up (waiting for a run to finish its step, if one runs)…"):
        try:
            done = backup(settings, out)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
    console.print(
        f"Backup written to [bold]{done.folder}[/bold]: {done.files} files, "
        f"{done.arrivals} arrivals, {done.ledger_rows.get('submissions', 0)} submissions"
    )


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--force", is_flag=True, help="Restore over an existing deployment, moving its files aside."
)
def restore_command(source: Path, force: bool) -> None:
    """Bring the deployment back from a backup folder (checked in full before anything is
    written), into an empty $WORKPLAN_HOME."""
    from pipelines.store.backup import BackupError, restore

    settings = Settings.from_env()
    with console.status("Checking the backup and restoring…"):
        try:
            done = restore(source, settings, force=force)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
    for path in done.set_aside:
        console.print(f"The previous {path.name.split('.before-restore-')[0]} was kept as {path}")
    rows = done.described["ledger_rows"].get("submissions", 0)
    console.print(
        f"Restored {settings.home} from {source} (made {done.described['created_at']}): "
        f"{done.described['arrivals']} arrivals, {rows} submissions. Run `workplan ingest` to "
        "receive anything in landing that arrived after the backup."
    )


# Any plan year on record can be shown; by default the current one (the judging date's).
year_option = click.option(
    "--year",
    type=int,
    default=None,
    help="Plan year to show, e.g. 2024 (default: the current plan year).",
)


@main.command()
@year_option
def scorecard(year: int | None) -> None:
    """Print the scorecard of a plan year from the analysts' DuckDB file."""
    settings = Settings.from_env()
    require_analysts_file(settings)
    try:
        render(read_scorecard(settings.analysts, year), console)
    except UnknownPlanYear as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the reports (default: $WORKPLAN_HOME/reports).",
)
@year_option
def report(out: Path | None, year: int | None) -> None:
    """Write a plan year's scorecard as HTML, PNG and Excel from the analysts' DuckDB file."""
    settings = Settings.from_env()
    require_analysts_file(settings)
    try:
        written = write_reports(settings.analysts, out or settings.reports, year)
    except UnknownPlanYear as error:
        raise click.ClickException(str(error)) from None
    for kind, path in written.items():
        console.print(f"{kind:>5}: {path}")


@main.command()
@click.option("--seed", default=2024, show_default=True, help="Seed for the demo generator.")
def demo(seed: int) -> None:
    """Write demo department files (2023-01 to 2025-10) and two plans, the 2024 plan (its year
    over: 已完成/未完成) and a 2025 one, run everything, print the current (2025) scorecard;
    `workplan scorecard --year 2024` shows the finished year."""
    from pipelines.demo.scenario import write_demo_feeds

    settings = Settings.from_env()
    # The demo's departments delivered their October 2025 figures in early November 2025:
    # judge pace and lateness as of that week unless told otherwise.
    settings = replace(settings, as_of_date=settings.as_of_date or DEMO_AS_OF_DATE)
    settings.keep_judging_date()
    with console.status("Writing demo department files…"):
        written = write_demo_feeds(settings.landing, seed=seed, through=DEMO_THROUGH)
    console.print(f"Wrote {len(written)} demo files under {settings.landing}")
    ok = run_job("refresh_all", settings)
    render(read_scorecard(settings.analysts), console)
    console.print(
        f"\nAnalysts' DuckDB file: [bold]{settings.analysts}[/bold]\n"
        f"Pipeline's own file:   {settings.warehouse}\n"
        f"Scorecard for leaders: [bold]{settings.reports / 'scorecard.html'}[/bold] "
        f"(also .png and .xlsx)\n"
        f"Judged as of {settings.as_of_date}, kept in {settings.home / DEPLOYMENT_FILE} for "
        "every later command and the UI (WORKPLAN_AS_OF_DATE=today, or another day, overrides)\n"
        f"Dagster UI: [bold]workplan ui[/bold] (http://127.0.0.1:3000), instance at "
        f"{settings.dagster_home}"
    )
    if not ok:
        raise SystemExit(1)


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the templates (default: $WORKPLAN_HOME/templates).",
)
def templates(out: Path | None) -> None:
    """Write each feed's department template (.xlsx): headers, an example row and 填表说明."""
    from pipelines.files.templates import write_templates

    folder = out or Settings.from_env().home / "templates"
    for feed, path in write_templates(folder).items():
        console.print(f"{feed:>24}: {path}")


@main.command()
@click.option("--port", default=3000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Bind address (local only).")
def ui(port: int, host: str) -> None:
    """Start the Dagster UI and daemon (sensors, schedule) on this machine's instance."""
    settings = Settings.from_env()
    local_instance(settings)
    # Run from $DAGSTER_HOME so dagster dev reads the instance's own dagster.yaml.
    os.chdir(settings.dagster_home)
    dagster = str(Path(sys.executable).parent / "dagster")  # installed beside this Python
    workspace = str(PROJECT_ROOT / "workspace.yaml")
    os.execv(  # noqa: S606 - replaces this process with dagster dev, no shell involved
        dagster, [dagster, "dev", "-w", workspace, "-h", host, "-p", str(port)]
    )
