"""The local Dagster instance the command line runs in, so its runs show in the Dagster UI."""

from __future__ import annotations

import fcntl
import os
import shutil

import dagster as dg

from pipelines.settings import PROJECT_ROOT, Settings, SettingsError


def local_instance(settings: Settings) -> dg.DagsterInstance:
    """The persistent instance under $DAGSTER_HOME, configured by the project's dagster.yaml.

    The project owns that file: a home holding another version gets the project's, so a changed
    setting (the run queue, say) reaches existing deployments too. Opening is serialised by a
    lock file: two commands started together on a new home would otherwise both create its
    SQLite tables, and the second fails (alembic_version already exists).
    """
    home = settings.dagster_home
    try:
        home.mkdir(parents=True, exist_ok=True)
        with open(home / ".instance.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            config = home / "dagster.yaml"
            project_config = PROJECT_ROOT / "dagster.yaml"
            if not config.exists() or config.read_bytes() != project_config.read_bytes():
                shutil.copyfile(project_config, config)
            os.environ["DAGSTER_HOME"] = str(home)
            return dg.DagsterInstance.get()
    except (OSError, dg.DagsterError) as error:
        raise SettingsError(unusable_home(settings, error)) from error
    except Exception as error:  # SQLAlchemy's errors for a database it cannot write
        if "sqlite" not in type(error).__module__ + str(error).lower():
            raise
        raise SettingsError(unusable_home(settings, error)) from error


def unusable_home(settings: Settings, error: Exception) -> str:
    """One line naming the Dagster home and why it cannot be used."""
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (
        f"The Dagster instance at {settings.dagster_home} (DAGSTER_HOME) cannot be used: "
        f"{reason[:200]}. It must be a writable folder on a disk with free space."
    )
