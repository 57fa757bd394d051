"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.settings import Settings
from tests.helpers import settings_for, workplan


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep each module on one xdist worker (`--dist loadgroup`, as `loadfile` would), and every
    module that reads the session's demo on the same one, so `workplan demo` (over a minute)
    runs once per test session, not once per worker that meets it. First among the hooks:
    xdist's own reads the groups to name each test's worker."""
    with_demo = {item.module.__name__ for item in items if "demo" in item.fixturenames}
    for item in items:
        module = item.module.__name__
        item.add_marker(pytest.mark.xdist_group("demo" if module in with_demo else module))


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
