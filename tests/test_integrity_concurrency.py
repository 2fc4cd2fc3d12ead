"""N till processes refunding the same sales at once, on one SQLite file and on PostgreSQL.

Each process has its own engine and its own SimulatedGateway on one shared ledger file; they
make random refunds (full, by items, by amount; original route and cash; with a manager's
approval where a rule asks) with sweeps and retries mixed in. Afterwards the raw tables and
the provider's ledger are audited (tests/integrity/common.py): no line, tender or sale over
what it paid, every refund stored once, the ledger equal to the database.

Short form in ``make test`` (3 x 10); long form in ``make integrity`` (8 x 50), which writes
its figures to build/integrity/.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from cashier_tui.clock import FixedClock
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services.till import Till
from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade
from tests.integrity.common import NOW, add_staff, audit, run_together, seed_sales, write_figures

SHORT = {"processes": 3, "refunds": 10, "sales": 20}
LONG = {"processes": 8, "refunds": 50, "sales": 20}


def run_concurrency(url: str, ledger, size: dict, seed: int) -> dict:
    engine = make_engine(url)
    upgrade(engine)
    store = seed_sales(engine, size["sales"], seed, units=(2, 12))
    setup = Till(engine, SimulatedGateway(), FixedClock(NOW))
    add_staff(setup)
    configs = [{"db": url, "ledger": str(ledger), "script": store.script,
                "receipts": store.receipts, "till": f"T{i + 1:02d}",
                "seed": seed * 100 + i, "refunds": size["refunds"]}
               for i in range(size["processes"])]
    started = time.monotonic()
    results = run_together("tests.integrity.worker", configs)
    elapsed = time.monotonic() - started
    # The tills are gone; a till started later (an hour on) settles what they left open.
    gateway = SimulatedGateway(store.script, ledger_path=ledger)
    later = Till(engine, gateway, FixedClock(NOW.replace(hour=16)))
    for _ in range(3):
        later.sweep()
    gateway.close()
    committed = [no for r in results for no in r["committed"]]
    figures = audit(engine, ledger, reported=committed)
    rejected = sum((Counter(r["rejected"]) for r in results), Counter())
    figures = {
        "processes": size["processes"], "sales": size["sales"],
        "refunds_attempted": sum(r["attempted"] for r in results),
        "refunds_committed": len(committed),
        "refused": dict(sorted(rejected.items())),
        "approved_by_manager": sum(r["approved"] for r in results),
        "retries": sum(r["retried"] for r in results),
        "sweeps": sum(r["sweeps"] for r in results),
        "store_busy": sum(r["busy"] for r in results),
        "unexpected_errors": sum(len(r["unexpected"]) for r in results),
        "seconds": round(elapsed, 1),
        **figures,
    }
    unexpected = [e for r in results for e in r["unexpected"]]
    engine.dispose()
    return {**figures, "_unexpected": unexpected[:5]}


def check(figures: dict) -> None:
    assert figures["_unexpected"] == [], figures["_unexpected"]
    assert figures["violations"] == {}, figures["violations"]
    assert figures["over_refunds_found"] == figures["duplicates_found"] == 0
    assert figures["lost_refunds_found"] == figures["ledger_mismatches_found"] == 0
    assert figures["refunds_stored"] == figures["refunds_committed"] > 0
    assert figures["store_busy"] == 0


def sqlite_run(tmp_path, size, seed):
    return run_concurrency(f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "ledger.db",
                           size, seed)


def pg_run(pg_server, tmp_path, size, seed, name):
    return run_concurrency(pg_server.create_database(name), tmp_path / "ledger.db", size, seed)


def test_concurrent_tills_sqlite_short(tmp_path):
    check(sqlite_run(tmp_path, SHORT, seed=1))


@pytest.mark.postgres
def test_concurrent_tills_postgres_short(pg_server, tmp_path):
    check(pg_run(pg_server, tmp_path, SHORT, 2, "integrity_conc_short"))


@pytest.mark.integrity
def test_concurrent_tills_sqlite_long(tmp_path):
    figures = sqlite_run(tmp_path, LONG, seed=11)
    write_figures("concurrency_sqlite", {k: v for k, v in figures.items() if k[0] != "_"})
    check(figures)


@pytest.mark.integrity
@pytest.mark.postgres
def test_concurrent_tills_postgres_long(pg_server, tmp_path):
    figures = pg_run(pg_server, tmp_path, LONG, 12, "integrity_conc_long")
    write_figures("concurrency_postgres", {k: v for k, v in figures.items() if k[0] != "_"})
    check(figures)
