"""A full disk is worded as one (issue 17.6): its own error code and a plain message on the
till, one line and exit 1 on the command line; nothing is changed. SQLITE_FULL comes from
``PRAGMA max_page_count`` (tests/sqlite_full.py), real SQLite behaviour."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from cashier_tui.clock import FixedClock
from cashier_tui.domain.errors import DiskFull
from cashier_tui.domain.views import RefundRequest
from cashier_tui.services.common import DISK_FULL, UNREACHABLE, store_error
from cashier_tui.services.people import add_cashier
from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade
from screens.texts import error_text
from tests.cli_fixtures import cli_env
from tests.engine_fixtures import NOW, L, make_sale, make_till
from tests.import_fixtures import dump, sale, write_jsonl
from tests.sqlite_full import make_full


def count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()


def test_a_full_disk_on_the_till_says_so_and_changes_nothing(engine):
    receipts = [make_sale(engine, [L(1, 1000)], receipt_no=f"R{n}") for n in range(400)]
    till = make_till(engine)
    make_full(engine)
    done = 0
    with pytest.raises(DiskFull) as err:
        for receipt in receipts:  # until the last page is used up
            till.commit(RefundRequest(receipt, "full", reason="defective"), "C001")
            done += 1
    assert 0 < done < len(receipts)
    assert err.value.code == "disk_full" and err.value.message == DISK_FULL
    assert "network" not in err.value.message
    assert count(engine, "refund") == done  # the refund that failed left nothing
    shown = error_text(err.value)
    assert "disk is full" in shown and "nothing was changed" in shown


def test_postgres_disk_full_is_worded_the_same():
    exc = OperationalError("INSERT", {}, Exception(
        'could not extend file "base/16384/2619": No space left on device'))
    assert isinstance(store_error(exc), DiskFull)
    assert store_error(OperationalError("x", {}, Exception("server closed the connection"))
                       ).message == UNREACHABLE


def full_cli(home, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tests.sqlite_full", *args], input=stdin,
                          capture_output=True, text=True, env=cli_env(home), timeout=120)


def test_import_sales_on_a_full_disk_is_one_line_and_exit_1(tmp_path):
    db = tmp_path / "till.db"
    eng = make_engine(db)
    upgrade(eng)
    before = dump(eng)
    eng.dispose()
    path = write_jsonl(tmp_path / "s.jsonl", [sale(n) for n in range(1, 300)])
    done = full_cli(tmp_path, "--db", str(db), "import-sales", str(path))
    assert done.returncode == 1
    assert done.stderr == f"cashier-tui: {path}: nothing was imported: {DISK_FULL}\n"
    eng = make_engine(db)
    assert dump(eng) == before
    eng.dispose()


def test_cashier_add_on_a_full_disk_is_one_line_and_exit_1(tmp_path):
    db = tmp_path / "till.db"
    eng = make_engine(db)
    upgrade(eng)
    make_full(eng)
    added = 0
    with pytest.raises(OperationalError, match="database or disk is full"):
        for n in range(500):  # fill the last pages, as a busy disk would be
            add_cashier(eng, f"C{n:04d}", "N" * 100, "cashier", "1234", FixedClock(NOW))
            added += 1
    eng.dispose()
    done = full_cli(tmp_path, "--db", str(db), "cashier", "add", "C9999", "--name", "N" * 100,
                    "--role", "cashier", stdin="1234\n")
    assert done.returncode == 1, done.stderr
    assert done.stderr == f"cashier-tui: cashier C9999 was not added: {DISK_FULL}\n"
    eng = make_engine(db)
    assert count(eng, "cashier") == added
    eng.dispose()
