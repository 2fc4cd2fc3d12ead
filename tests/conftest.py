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


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """The UI language is one per process (i18n.set_language): an app a test built in
    Chinese must not leave the next test's messages in Chinese."""
    yield
    from cashier_tui.i18n import set_language

    set_language("en")


pytest_plugins = ["tests.pg"]
