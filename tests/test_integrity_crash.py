"""kill -9 a till at each step of a refund (inside the commit too), many times; every restart
settles and prints.

For each step (tests/integrity/crash_worker.py) a fresh store gets ``kills`` till processes
in a row. Each starts as the app does (sweep, print what is unprinted), makes a few
refunds and dies with SIGKILL at the step in its last one. After each death the raw tables
and the provider's ledger are audited (nothing over a cap, nothing duplicated, the ledger
never ahead of the database's reservations); after the last, one more till starts without
a crash and everything must be final, refunded exactly once at the provider, and printed.

Short form in ``make test`` (2 kills per step on SQLite, one step on PostgreSQL); long form
in ``make integrity`` (20 per step on SQLite, 5 per step on PostgreSQL), which writes its
figures to build/integrity/crash.json and crash_postgres.json.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time

import pytest

from cashier_tui.clock import FixedClock
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services.till import Till
from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade
from tests.integrity.common import (
    NOW,
    add_staff,
    audit,
    read_ledger,
    seed_sales,
    start_worker,
    write_figures,
)
from tests.integrity.crash_worker import STEPS
from tests.integrity.printer import LoopbackPrinter

WORKER = "tests.integrity.crash_worker"


def run_step(tmp_path, step: str, kills: int, seed: int, url: str | None = None) -> dict:
    """``kills`` tills killed at ``step`` one after another, then a clean restart.
    ``url``: the store's database (default: an SQLite file in ``tmp_path``)."""
    url = url or f"sqlite:///{tmp_path / 'store.db'}"
    ledger = tmp_path / "ledger.db"
    engine = make_engine(url)
    upgrade(engine)
    store = seed_sales(engine, 12, seed, units=(4, 10), behaviours=["ok"], old=False)
    add_staff(Till(engine, SimulatedGateway(), FixedClock(NOW)))
    printer = LoopbackPrinter("ok")
    rng = random.Random(seed)
    committed: list[str] = []
    figures = {"step": step, "processes": 0, "kills": 0, "refunds_committed": 0,
               "open_legs_left_by_crashes": 0, "unprinted_left_by_crashes": 0,
               "printed_at_restarts": 0, "crash_time_violations": 0}

    def config(minute: int, stall_uri: str = "") -> dict:
        return {"db": url, "ledger": str(ledger), "receipts": store.receipts, "till": "T01",
                "seed": rng.randrange(10**9), "refunds": rng.randint(0, 2), "minute": minute,
                "secret": str(tmp_path / "secret.key"), "printer": printer.uri,
                "stall_printer": stall_uri}

    def finish(proc: subprocess.Popen) -> list[str]:
        out, err = proc.communicate(timeout=120)
        figures["processes"] += 1
        lines = out.splitlines()
        assert not any(x.startswith("NOT-KILLED") for x in lines), err[-2000:]
        committed.extend(x.split()[1] for x in lines if x.startswith("COMMITTED"))
        for line in lines:
            if line.startswith("RECOVERED"):
                figures["printed_at_restarts"] += len(json.loads(line.split(" ", 1)[1])[
                    "printed"])
        return lines

    try:
        for k in range(kills):
            stall = LoopbackPrinter("stall") if step == "during_print" else None
            proc = start_worker(WORKER, config(2 * k, stall.uri if stall else ""),
                                CASHIER_TUI_CRASH_AT=step)
            if stall is not None:  # kill it while the voucher is going out
                assert stall.stalled.wait(120), proc.stderr.read()[-2000:]
                os.kill(proc.pid, signal.SIGKILL)
            finish(proc)
            if stall is not None:
                stall.close()
            assert proc.returncode == -signal.SIGKILL, proc.stderr.read()[-2000:]
            figures["kills"] += 1
            at_crash = audit(engine, ledger, reported=committed, expect_final=False)
            figures["crash_time_violations"] += sum(map(len, at_crash["violations"].values()))
            figures["open_legs_left_by_crashes"] += sum(
                at_crash["legs_by_state"].get(x, 0) for x in ("pending", "sent", "unknown"))
            figures["unprinted_left_by_crashes"] += at_crash["unprinted"]
            assert at_crash["violations"] == {}, (step, k, at_crash["violations"])
        # The till starts once more, without a crash: it must finish everything.
        proc = start_worker(WORKER, config(2 * kills + 5))
        finish(proc)
        assert proc.returncode == 0, proc.stderr.read()[-2000:]
    finally:
        printer.close()
    final = audit(engine, ledger, reported=committed)
    ledger_rows = read_ledger(ledger)
    with engine.connect() as conn:
        refunds = conn.exec_driver_sql("SELECT status, printed FROM refund").all()
    engine.dispose()
    figures.update({
        "refunds_committed": len(committed),
        "refunds_final": sum(1 for status, _printed in refunds if status != "pending"),
        "provider_acted_more_than_once": sum(1 for row in ledger_rows if row[4] != 1),
        "unprinted_after_restart": sum(1 for _status, printed in refunds if not printed),
        "vouchers_received_whole": len(printer.jobs),
        **final,
    })
    return figures


def check(figures: dict) -> None:
    assert figures["kills"] > 0
    assert figures["violations"] == {}, figures["violations"]
    assert figures["over_refunds_found"] == figures["duplicates_found"] == 0
    assert figures["lost_refunds_found"] == figures["ledger_mismatches_found"] == 0
    assert figures["refunds_stored"] == figures["refunds_committed"] == \
        figures["refunds_final"]
    assert figures["printed_at_restarts"] == figures["unprinted_left_by_crashes"]
    assert figures["provider_acted_more_than_once"] == 0  # each key refunded once
    assert figures["unprinted_after_restart"] == 0
    assert figures["legs_by_state"].keys() <= {"succeeded"}


@pytest.mark.parametrize("step", STEPS)
def test_kill_9_at_each_step_short(tmp_path, step):
    check(run_step(tmp_path, step, kills=2, seed=STEPS.index(step)))


@pytest.mark.integrity
def test_kill_9_at_each_step_long(tmp_path):
    started = time.monotonic()
    results = []
    for i, step in enumerate(STEPS):
        (tmp_path / step).mkdir()
        results.append(run_step(tmp_path / step, step, kills=20, seed=100 + i))
    write_figures("crash", {"seconds": round(time.monotonic() - started, 1),
                            "steps": results})
    for figures in results:
        check(figures)


@pytest.mark.postgres
def test_kill_9_on_postgres_short(pg_server, tmp_path):
    url = pg_server.create_database("integrity_crash_short")
    check(run_step(tmp_path, "after_gateway", kills=2, seed=7, url=url))


@pytest.mark.integrity
@pytest.mark.postgres
def test_kill_9_on_postgres_long(pg_server, tmp_path):
    started = time.monotonic()
    results = []
    for i, step in enumerate(STEPS):
        (tmp_path / step).mkdir()
        url = pg_server.create_database(f"integrity_crash_{step}")
        results.append(run_step(tmp_path / step, step, kills=5, seed=200 + i, url=url))
    write_figures("crash_postgres", {"seconds": round(time.monotonic() - started, 1),
                                     "steps": results})
    for figures in results:
        check(figures)
