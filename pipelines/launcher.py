"""The embedded deployment's run launcher: each run forked from a warm process.

Dagster's default launcher starts every run in a fresh interpreter through the code server,
which imports Dagster, the code location and, for a district's file, Great Expectations again:
about 3 s before the run starts and 3 s more in its GX check, on every drop a department makes.
Here a Python forkserver (multiprocessing's, started once by the daemon) imports them once, and
each run is a fork of it: the run starts in a fraction of a second with everything in memory.

The warm process holds the code and the deployment's settings as they were when it started.
When a source file of the project or the deployment's kept settings (its judging date) changed
since, the warm process is replaced before the run, which then imports afresh as a default
launch would; should the warm process be unavailable, the run is launched the default way.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import signal

from dagster import DagsterInstance, DagsterRun
from dagster._core.events import EngineEventData
from dagster._core.launcher import DefaultRunLauncher, LaunchRunContext
from dagster._utils.hosted_user_process import recon_job_from_origin

from pipelines.settings import DEPLOYMENT_FILE, PROJECT_ROOT, Settings

# The run's process, for termination from the UI (which runs in another process than the
# daemon that launched it).
PID_TAG = "workplan/run_pid"
# What the warm process imports before any fork: Dagster's run execution, the code location
# (which imports the assets, DuckDB, pandas), GX's engine, and this module, whose `execute_run`
# each fork runs.
PRELOAD = ["dagster._grpc.impl", "pipelines.definitions", "great_expectations", __name__]
# The project's sources a run executes or reads at import: a change to any of them means the
# warm process no longer holds the code of the code location.
SOURCE_FOLDERS = ("assets", "pipelines", "contracts", "expectations", "catalog", "sql")


def source_fingerprint() -> tuple[tuple[str, int, int], ...]:
    """Each source file's and the deployment file's path, size and modification time: cheap (a
    stat per file), and different after any edit, copy, checkout or change of judging date."""
    paths = [Settings.from_env().home / DEPLOYMENT_FILE]
    for folder in SOURCE_FOLDERS:
        paths.extend(sorted((PROJECT_ROOT / folder).rglob("*")))
    files = []
    for path in paths:
        if path.is_file() and "__pycache__" not in path.parts:
            stat = path.stat()
            files.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(files)


def execute_run(run_id: str, instance_ref) -> None:
    """A forked run: Dagster's own run execution (as its code server's run process does), on
    the job reconstructed from the run's origin, all of it already imported."""
    from dagster._grpc.impl import core_execute_run

    with DagsterInstance.from_ref(instance_ref) as instance:
        run = instance.get_run_by_id(run_id)
        if run is None:
            return
        pid = os.getpid()
        instance.report_engine_event(
            f"Started process for run (pid: {pid}), forked from the deployment's warm process.",
            run,
            EngineEventData.in_process(pid),
        )
        for _ in core_execute_run(
            recon_job_from_origin(run.job_code_origin), run, instance, inject_env_vars=False
        ):
            pass


class WarmRunLauncher(DefaultRunLauncher):
    """Forks each run from a warm process, replaced when the code or kept settings it imported
    changed; launches a run the default way when it cannot fork it."""

    def __init__(self, inst_data=None):
        super().__init__(inst_data=inst_data)
        self._context = None
        self._fingerprint: tuple | None = None

    def _warm_context(self):
        """The forkserver context; its process (re)started, with the preloads, when the first
        run comes or when the sources it imported have changed."""
        fingerprint = source_fingerprint()
        if self._context is None:
            self._context = multiprocessing.get_context("forkserver")
            self._context.set_forkserver_preload(PRELOAD)
        elif fingerprint != self._fingerprint:
            # The standard library's one forkserver per process; its own stop, which CPython's
            # tests use: the next start imports the changed code.
            multiprocessing.forkserver._forkserver._stop()  # noqa: SLF001
        self._fingerprint = fingerprint
        return self._context

    def launch_run(self, context: LaunchRunContext) -> None:
        run = context.dagster_run
        multiprocessing.active_children()  # reaps the runs that ended
        try:
            if run.job_code_origin is None:
                raise RuntimeError("the run names no code origin to fork it from")
            process = self._warm_context().Process(
                target=execute_run, args=(run.run_id, self._instance.get_ref()), name=run.run_id
            )
            process.start()
        except Exception as error:  # noqa: BLE001 - Dagster's own launch is always there
            self._instance.report_engine_event(
                f"Not forked from the warm process ({error}): launched the default way.",
                run,
                cls=self.__class__,
            )
            return super().launch_run(context)
        self._instance.add_run_tags(run.run_id, {PID_TAG: str(process.pid)})
        self._run_ids.add(run.run_id)
        return None

    def terminate(self, run_id: str) -> bool:
        """Interrupt a forked run (Dagster's execution turns the interrupt into a canceled run);
        a run launched the default way is terminated through its code server."""
        run: DagsterRun | None = self._instance.get_run_by_id(run_id)
        if run is None or run.is_finished or PID_TAG not in run.tags:
            return super().terminate(run_id)
        self._instance.report_run_canceling(run)
        try:
            os.kill(int(run.tags[PID_TAG]), signal.SIGINT)
        except ProcessLookupError:
            return False
        return True
