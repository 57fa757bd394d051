"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.settings import Settings
from tests.helpers import settings_for, workplan


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory):
    """The demo warehouse, built once per session by the real `workplan demo` command and shared
    by the modules that read it (the command-line tests, the analysts' queries)."""
    home = tmp_path_factory.mktemp("demo")
    result = workplan(home, "demo")
    assert result.returncode == 0, result.stdout + result.stderr
    return home, result
