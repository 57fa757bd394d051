"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.settings import Settings
from tests.helpers import settings_for


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path)
