"""Thirty wrong PINs for one account at once, from 10 till processes of 3 tills each (every
till its own engine), on one SQLite file and on PostgreSQL: at most five PINs are ever
evaluated before the account locks (a try is counted under the row's lock before the PIN is
hashed), the account is locked, and every other try is refused as locked and audited.

The figures (`make integrity`) go to build/integrity/pin_lockout_*.json.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import text

from cashier_tui.clock import FixedClock
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services.till import Till
from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade
from tests.integrity.common import MANAGER, NOW, add_staff, run_together, write_figures

PROCESSES, THREADS = 10, 3
WRONG = "90817263"


def storm(url: str, purpose: str = "sign_in") -> dict:
    engine = make_engine(url)
    upgrade(engine)
    add_staff(Till(engine, SimulatedGateway(), FixedClock(NOW)))
    config = {"db": url, "cashier": MANAGER, "pin": WRONG, "threads": THREADS,
              "purpose": purpose}
    results = run_together("tests.integrity.pin_worker", [config] * PROCESSES, timeout=300)
    with engine.connect() as conn:
        failed, locked_until = conn.execute(text(
            "SELECT failed_attempts, locked_until FROM cashier WHERE id = :id"),
            {"id": MANAGER}).one()
        events = [(kind, json.loads(detail).get("why")) for kind, detail in conn.execute(
            text("SELECT kind, detail FROM audit_event WHERE actor = :id ORDER BY id"),
            {"id": MANAGER})]
    engine.dispose()
    outcomes = Counter(o for r in results for o in r["outcomes"])
    fail_kind = "sign_in_failed" if purpose == "sign_in" else "approval_failed"
    return {
        "tries": PROCESSES * THREADS, "processes": PROCESSES,
        "pins_evaluated": sum(r["evaluated"] for r in results),
        "wrong_pin_audited": events.count((fail_kind, "wrong_pin")),
        "refused_as_locked_audited": events.count((fail_kind, "locked")),
        "locked_events": sum(1 for kind, _why in events if kind == "locked"),
        "outcomes": dict(sorted(outcomes.items())),
        "failed_attempts": failed, "locked": locked_until is not None,
    }


def check(figures: dict) -> None:
    assert figures["pins_evaluated"] <= 5, figures
    assert figures["wrong_pin_audited"] == figures["pins_evaluated"], figures
    assert figures["locked"] and figures["locked_events"] == 1, figures
    assert figures["outcomes"].get("AccountLocked", 0) == figures["tries"] - 4, figures
    assert figures["outcomes"].get("WrongPin", 0) == 4, figures
    assert figures["refused_as_locked_audited"] == figures["tries"] - 5, figures


def test_thirty_wrong_pins_at_once_sqlite(tmp_path):
    figures = storm(f"sqlite:///{tmp_path / 'store.db'}")
    write_figures("pin_lockout_sqlite", figures)
    check(figures)


@pytest.mark.postgres
def test_thirty_wrong_pins_at_once_postgres(pg_server):
    figures = storm(pg_server.create_database("pin_lockout"))
    write_figures("pin_lockout_postgres", figures)
    check(figures)


@pytest.mark.postgres
def test_thirty_wrong_manager_approvals_at_once_postgres(pg_server):
    check(storm(pg_server.create_database("pin_lockout_approval"), "approval"))
