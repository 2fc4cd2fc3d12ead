from __future__ import annotations

from pathlib import Path

import pytest

from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade


@pytest.fixture
def engine(tmp_path: Path):
    """A fresh SQLite file database at the current schema."""
    eng = make_engine(tmp_path / "till.db")
    upgrade(eng)
    yield eng
    eng.dispose()


pytest_plugins = ["tests.pg"]
