"""The local Dagster instance the command line runs in, so its runs show in the Dagster UI."""

from __future__ import annotations

import os
import shutil

import dagster as dg

from pipelines.settings import PROJECT_ROOT, Settings


def local_instance(settings: Settings) -> dg.DagsterInstance:
    """The persistent instance under $DAGSTER_HOME, configured by the project's dagster.yaml.

    The project owns that file: a home holding another version gets the project's, so a changed
    setting (the run queue, say) reaches existing deployments too.
    """
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    config = settings.dagster_home / "dagster.yaml"
    project_config = PROJECT_ROOT / "dagster.yaml"
    if not config.exists() or config.read_bytes() != project_config.read_bytes():
        shutil.copyfile(project_config, config)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    return dg.DagsterInstance.get()
