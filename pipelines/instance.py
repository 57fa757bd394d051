"""The local Dagster instance the command line runs in, so its runs show in the Dagster UI."""

from __future__ import annotations

import fcntl
import os
import shutil

import dagster as dg
import yaml

from pipelines.settings import PROJECT_ROOT, Settings, SettingsError

# Keys by which an instance's dagster.yaml names where Dagster keeps its runs, events, schedules
# and sensor cursors. A home whose file sets one is a deployment's own profile (deploy/dagster.yaml,
# PostgreSQL): the operator's file, not a copy of the project's embedded (SQLite) one.
STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")


def local_instance(settings: Settings) -> dg.DagsterInstance:
    """The persistent instance under $DAGSTER_HOME: the embedded profile or a production one.

    The embedded profile (SQLite in the home, no storage named) is the project's: a home holding
    another version of that file gets the project's dagster.yaml, so a changed setting (the run
    queue, say) reaches existing deployments too. A home whose dagster.yaml names its own storage
    is a production profile (deploy/dagster.yaml) and is used as it is, never overwritten; it must
    still queue runs one at a time, as DuckDB admits one writer. Opening is serialised by a lock
    file: two commands started together on a new home would otherwise both create its SQLite
    tables, and the second fails (alembic_version already exists).
    """
    home = settings.dagster_home
    try:
        home.mkdir(parents=True, exist_ok=True)
        with open(home / ".instance.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            config = home / "dagster.yaml"
            project_config = PROJECT_ROOT / "dagster.yaml"
            own_profile = config.exists() and names_storage(config)
            if own_profile:
                require_environment(config)
            if not own_profile and (
                not config.exists() or config.read_bytes() != project_config.read_bytes()
            ):
                shutil.copyfile(project_config, config)
            os.environ["DAGSTER_HOME"] = str(home)
            instance = dg.DagsterInstance.get()
            if own_profile:
                require_one_run_at_a_time(instance, config)
            return instance
    except SettingsError:
        raise
    except (OSError, dg.DagsterError) as error:
        raise SettingsError(unusable_home(settings, error)) from error
    except Exception as error:  # SQLAlchemy's errors for a database it cannot write
        if not any(db in type(error).__module__ + str(error).lower() for db in DATABASES):
            raise
        raise SettingsError(unusable_home(settings, error)) from error


# Drivers whose errors mean the instance's store cannot be written (SQLite) or reached (PostgreSQL).
DATABASES = ("sqlite", "psycopg2")


def names_storage(config: os.PathLike) -> bool:
    """Whether a home's dagster.yaml names its own storage (a production profile, kept as it is).

    A file that is not YAML is refused rather than replaced: it may be an operator's PostgreSQL
    profile with a typing slip, and replacing it would move the deployment to SQLite unseen.
    """
    try:
        with open(config, encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise SettingsError(
            f"The Dagster instance settings {config}{line} are not readable YAML. Correct the "
            "file, or delete it to use the project's embedded profile."
        ) from None
    return isinstance(loaded, dict) and any(key in loaded for key in STORAGE_KEYS)


def env_names(node: object) -> set[str]:
    """The environment variables a Dagster yaml reads values from (`key: {env: NAME}`)."""
    if isinstance(node, dict):
        own = {node["env"]} if set(node) == {"env"} and isinstance(node["env"], str) else set()
        return own.union(*(env_names(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(env_names(value) for value in node))
    return set()


def require_environment(config: os.PathLike) -> None:
    """Name the variables a production profile reads and the environment lacks (its database's
    host or password, say), instead of Dagster's schema dump."""
    with open(config, encoding="utf-8") as handle:
        missing = sorted(
            name for name in env_names(yaml.safe_load(handle)) if name not in os.environ
        )
    if missing:
        raise SettingsError(
            f"The Dagster instance settings {config} read {', '.join(missing)} from the "
            "environment, and they are not set. Set them as in deploy/workplan.env.example."
        )


def require_one_run_at_a_time(instance: dg.DagsterInstance, config: os.PathLike) -> None:
    """Refuse a production profile that would start pipeline runs side by side: DuckDB admits one
    writer per file, so a second run would fail on the warehouse's lock, not queue."""
    queue = instance.get_concurrency_config().run_queue_config
    limit = queue.max_concurrent_runs if queue is not None else None
    if limit != 1:
        instance.dispose()
        raise SettingsError(
            f"The Dagster instance settings {config} must queue runs one at a time "
            "(run_queue: max_concurrent_runs: 1, as in deploy/dagster.yaml): the warehouse admits "
            "one writer."
        )


def unusable_home(settings: Settings, error: Exception) -> str:
    """One line naming the Dagster home and why it cannot be used."""
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if "psycopg2" in type(error).__module__ + str(error).lower():
        return (
            f"The Dagster instance at {settings.dagster_home} (DAGSTER_HOME) cannot reach its "
            f"PostgreSQL database: {reason[:200]}. Check the server is running and the "
            "DAGSTER_PG_* settings of its environment (deploy/workplan.env.example)."
        )
    return (
        f"The Dagster instance at {settings.dagster_home} (DAGSTER_HOME) cannot be used: "
        f"{reason[:200]}. It must be a writable folder on a disk with free space."
    )
