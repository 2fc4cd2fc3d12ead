"""Faults around a refund: the SQLite file locked by another writer, PostgreSQL stopping in
the middle of a session, a provider that times out. Each ends with the audit of
tests/integrity/common.py: nothing half-written, nothing lost, the ledger equal to the
database.

Short forms in ``make test``; long forms (the real 5 s busy timeout, five PostgreSQL
restarts, 200 refunds through a flaky provider) in ``make integrity``, writing figures to
build/integrity/faults_*.json.
"""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import event, text

from cashier_tui.clock import FixedClock
from cashier_tui.domain.errors import (
    RefundRejected,
    ResultNotRecorded,
    StoreUnavailable,
    TillError,
)
from cashier_tui.domain.views import RefundRequest
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services.common import BUSY, UNREACHABLE
from cashier_tui.services.legs import NOT_RECORDED
from cashier_tui.services.till import Till
from cashier_tui.storage import db
from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade
from tests.engine_fixtures import L, T, make_sale, make_till, totals
from tests.integrity.common import (
    NOW,
    add_staff,
    audit,
    commit,
    random_request,
    seed_sales,
    write_figures,
)

LATER = NOW.replace(hour=17)  # a sweep long after: past any grace


def snapshot(engine) -> dict[str, list]:
    """Every row of every table the refund writes, to compare before and after."""
    tables = ("sale", "sale_line", "tender", "refund", "refund_line", "refund_leg",
              "refund_counter", "audit_event", "cashier")
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
                for t in tables}


class Holder:
    """Another writer: a raw sqlite3 connection in BEGIN IMMEDIATE, holding the write lock."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.held = False

    def take(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.held = True

    def release(self) -> None:
        if self.held:
            self.conn.execute("ROLLBACK")
            self.held = False

    def close(self) -> None:
        self.release()
        self.conn.close()


# --- SQLite locked by another writer -------------------------------------------------------

def sqlite_lock_run(tmp_path: Path, timeout_s: float) -> dict:
    path = tmp_path / "store.db"
    engine = make_engine(path)  # the busy timeout is read when the engine is made
    upgrade(engine)
    store = seed_sales(engine, 3, 7, units=(3, 5), behaviours=["ok"], old=False)
    ledger = tmp_path / "ledger.db"
    holder = Holder(str(path))
    gateway = SimulatedGateway(ledger_path=ledger)
    till = Till(engine, gateway, FixedClock(NOW))
    add_staff(till)
    receipt = store.receipts[0]
    full = RefundRequest(receipt, "full", reason="defective")
    figures = {"busy_timeout_s": timeout_s, "waits": [], "store_unavailable": 0}

    def refused_while_locked(call) -> None:
        before = snapshot(engine)
        holder.take()
        started = time.monotonic()
        try:
            with pytest.raises(StoreUnavailable) as err:
                call()
        finally:
            waited = time.monotonic() - started
            holder.release()
        assert err.value.message == BUSY
        assert waited >= timeout_s * 0.9, waited  # it waited for the lock, then gave up
        assert snapshot(engine) == before  # nothing half-written
        figures["waits"].append(round(waited, 2))
        figures["store_unavailable"] += 1

    # 1. A commit waits, then says the database is busy; nothing was written.
    refused_while_locked(lambda: till.commit(full, "C001"))
    # Reading still works while another till writes (WAL): the cashier can look sales up.
    holder.take()
    assert till.lookup(receipt).receipt_no == receipt
    holder.release()
    # 2. Once released, the same till commits.
    view = till.commit(full, "C001")
    # 3. Sending: the leg cannot be marked sent, so the provider is never called.
    refused_while_locked(lambda: till.process(view.refund_no))
    assert gateway.ledger() == []
    assert till.get_refund(view.refund_no).legs[0].state == "pending"
    # 4. Recording: the provider refunds, then the lock is taken before the result is
    #    written. The leg stays sent (reserved); a sweep later asks the provider and records.
    def lock_after_refund(stage, payload):
        if stage == "submitted":
            holder.take()
    gateway.hook = lock_after_refund
    started = time.monotonic()
    with pytest.raises(ResultNotRecorded) as err:  # not "nothing was changed": it was
        till.process(view.refund_no)
    assert err.value.message == NOT_RECORDED
    figures["waits"].append(round(time.monotonic() - started, 2))
    figures["store_unavailable"] += 1
    holder.release()
    gateway.hook = None
    assert [x.state for x in till.get_refund(view.refund_no).legs
            if x.action != "cash"] in (["sent"], [])
    later = Till(engine, gateway, FixedClock(LATER))
    later.sweep()
    assert till.get_refund(view.refund_no).status == "completed"
    # 5. Signing in while locked (the failure counter is written): busy, not a crash.
    refused_while_locked(lambda: till.sign_in("C001", "0000"))
    holder.close()
    result = audit(engine, ledger)
    engine.dispose()
    gateway.close()
    return {**figures, **result}


def test_sqlite_locked_by_another_writer_short(tmp_path, monkeypatch):
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_S", 0.3)
    figures = sqlite_lock_run(tmp_path, 0.3)
    assert figures["violations"] == {}
    assert figures["store_unavailable"] == 4


@pytest.mark.integrity
def test_sqlite_locked_by_another_writer_long(tmp_path):
    figures = sqlite_lock_run(tmp_path, db.SQLITE_BUSY_TIMEOUT_S)  # the real 5 s
    write_figures("faults_sqlite_lock", figures)
    assert figures["violations"] == {}
    assert figures["store_unavailable"] == 4


# --- PostgreSQL stopping mid-session ---------------------------------------------------------

def pg_restart_run(pg_server, tmp_path: Path, cycles: int, name: str) -> dict:
    url = pg_server.create_database(name)
    engine = make_engine(url)
    upgrade(engine)
    store = seed_sales(engine, 4, 9, units=(6, 10), behaviours=["ok"], old=False)
    ledger = tmp_path / "ledger.db"
    gateway = SimulatedGateway(ledger_path=ledger)
    till = Till(engine, gateway, FixedClock(NOW))
    add_staff(till)
    rng = random.Random(9)
    figures = {"cycles": cycles, "store_unavailable": 0, "slowest_refusal_s": 0.0,
               "committed": []}

    def down(call) -> None:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as err:
            call()
        took = time.monotonic() - started
        assert err.value.message == UNREACHABLE
        figures["store_unavailable"] += 1
        figures["slowest_refusal_s"] = max(figures["slowest_refusal_s"], round(took, 2))

    def small_refund() -> RefundRequest:
        while True:
            sale = till.get_sale(rng.choice(store.receipts))
            request = random_request(rng, sale, small=True, payout="original")
            if till.quote(request).ok:
                return request

    try:
        for _ in range(cycles):
            view = till.process(commit(till, small_refund()).refund_no)
            figures["committed"].append(view.refund_no)
            request = small_refund()
            pg_server.stop()
            # Every call of the till says plainly that the database cannot be reached.
            down(lambda: till.lookup(store.receipts[0]))
            down(lambda r=request: commit(till, r))
            down(lambda v=view: till.retry(v.refund_no))
            down(till.sweep)
            down(till.journal)
            pg_server.start()
            # The same till works again: the pool's dead connections are replaced.
            assert till.lookup(store.receipts[0]).receipt_no == store.receipts[0]
            # The server stops after the provider refunded, before the result is recorded.
            committed = commit(till, request)
            figures["committed"].append(committed.refund_no)
            gateway.hook = lambda stage, payload: pg_server.stop() if stage == "submitted" \
                else None
            try:
                with pytest.raises(ResultNotRecorded) as err:  # the provider refunded
                    till.process(committed.refund_no)
                assert "nothing was changed" not in err.value.message
            finally:
                gateway.hook = None
                pg_server.start()
            figures["store_unavailable"] += 1
            settled = till.retry(committed.refund_no)  # asks the provider, same key
            assert settled.status == "completed", settled.legs
            # The server stops inside the commit's transaction, the refund row written and
            # its legs about to be: all of it is rolled back, nothing half-written.
            request = small_refund()
            before = snapshot(engine)
            armed = [True]

            @event.listens_for(engine, "before_cursor_execute")
            def stop_mid_commit(conn, cursor, statement, *args, armed=armed):
                if armed and statement.lstrip().upper().startswith("INSERT INTO REFUND_LEG"):
                    armed.clear()
                    pg_server.stop()

            try:
                down(lambda r=request: commit(till, r))
            finally:
                event.remove(engine, "before_cursor_execute", stop_mid_commit)
                pg_server.start()
            assert not armed and snapshot(engine) == before
    finally:
        try:
            pg_server.start()
        except Exception:  # already running
            pass
    result = audit(engine, ledger, reported=figures["committed"])
    engine.dispose()
    gateway.close()
    return {**figures, "committed": len(figures["committed"]), **result}


@pytest.mark.postgres
def test_postgres_stopping_mid_session_short(pg_server, tmp_path):
    figures = pg_restart_run(pg_server, tmp_path, 1, "integrity_pg_stop_short")
    assert figures["violations"] == {}
    assert figures["slowest_refusal_s"] < 10


@pytest.mark.integrity
@pytest.mark.postgres
def test_postgres_stopping_mid_session_long(pg_server, tmp_path):
    figures = pg_restart_run(pg_server, tmp_path, 5, "integrity_pg_stop_long")
    write_figures("faults_postgres_restart", figures)
    assert figures["violations"] == {}
    assert figures["slowest_refusal_s"] < 10


# --- a provider that times out ---------------------------------------------------------------

class Flaky:
    """A provider hook that times out at random: before the provider acts (the request is
    lost), after it acted (the reply is lost), or when asked what became of a key."""

    def __init__(self, rng: random.Random, rate: float) -> None:
        self.rng, self.rate, self.on = rng, rate, True
        self.timeouts = {"submit": 0, "submitted": 0, "query": 0}

    def __call__(self, stage, payload):
        if self.on and self.rng.random() < self.rate:
            self.timeouts[stage] += 1
            raise TimeoutError(f"read timed out ({stage})")
        return None


def gateway_timeout_run(tmp_path: Path, refunds: int, seed: int) -> dict:
    engine = make_engine(tmp_path / "store.db")
    upgrade(engine)
    store = seed_sales(engine, 12, seed, units=(5, 12), behaviours=["ok"], old=False)
    ledger = tmp_path / "ledger.db"
    rng = random.Random(seed)
    flaky = Flaky(rng, 0.3)
    gateway = SimulatedGateway(ledger_path=ledger, hook=flaky)
    till = Till(engine, gateway, FixedClock(NOW))
    add_staff(till)
    keys: dict[int, str] = {}
    committed, unknown_seen, retries = [], 0, 0
    for _ in range(refunds):
        sale = till.get_sale(rng.choice(store.receipts))
        try:
            view = commit(till, random_request(rng, sale, small=True, payout="original"))
        except (RefundRejected, TillError):
            continue
        committed.append(view.refund_no)
        keys.update({x.leg_id: x.idempotency_key for x in view.legs})
        view = till.process(view.refund_no)
        for _ in range(rng.randint(0, 2)):  # the cashier presses retry, or not
            if view.final:
                break
            unknown_seen += sum(1 for x in view.legs if x.state == "unknown")
            view = till.retry(view.refund_no)
            retries += 1
    flaky.on = False
    for view in Till(engine, gateway, FixedClock(LATER)).sweep():
        for leg in view.legs:  # the same key from commit to the end
            assert keys[leg.leg_id] == leg.idempotency_key
    result = audit(engine, ledger, reported=committed)
    ledger_rows = gateway.ledger()
    engine.dispose()
    gateway.close()
    return {"refunds_attempted": refunds, "refunds_committed": len(committed),
            "timeouts": flaky.timeouts, "unknown_legs_seen": unknown_seen,
            "retries": retries,
            "provider_acted_more_than_once": sum(1 for e in ledger_rows if e.attempts != 1),
            **result}


def check_timeouts(figures: dict) -> None:
    assert figures["violations"] == {}, figures["violations"]
    assert figures["provider_acted_more_than_once"] == 0
    assert figures["legs_by_state"].keys() <= {"succeeded"}
    assert sum(figures["timeouts"].values()) > 0


def test_gateway_timeouts_short(tmp_path):
    check_timeouts(gateway_timeout_run(tmp_path, 20, seed=3))


@pytest.mark.integrity
def test_gateway_timeouts_long(tmp_path):
    figures = gateway_timeout_run(tmp_path, 200, seed=33)
    write_figures("faults_gateway_timeouts", figures)
    check_timeouts(figures)


@pytest.mark.parametrize(("timeouts", "sends"), [
    (["submitted"], 1),  # the provider refunded, the reply was lost: asked, never resent
    (["submit"], 2),  # the request never reached the provider: asked, then resent
    (["submitted", "query"], 1),  # the question timed out too: still unknown, asked again
])
def test_a_timed_out_leg_is_queried_and_settled_with_the_same_key(engine, timeouts, sends):
    r = make_sale(engine, [L(1, 4200)], [T("card", 4200, "AUTH-TO", "4321")])
    pending = list(timeouts)

    def hook(stage, payload):
        if pending and stage == pending[0]:
            pending.pop(0)
            raise TimeoutError("read timed out")

    gateway = SimulatedGateway(hook=hook)
    till = make_till(engine, gateway)
    view = till.process(till.commit(RefundRequest(r, "full", reason="defective"),
                                    "C001").refund_no)
    key = view.legs[0].idempotency_key
    assert (view.status, view.legs[0].state) == ("pending", "unknown")
    assert "Retry" in view.legs[0].error
    assert totals(engine, r)["sale"] == (0, 4200)  # still reserved while unknown
    if pending:  # the query times out: still unknown, still reserved
        again = till.retry(view.refund_no)
        assert again.legs[0].state == "unknown" and totals(engine, r)["sale"] == (0, 4200)
    done = till.retry(view.refund_no)
    assert (done.status, done.legs[0].idempotency_key, done.legs[0].attempts) == (
        "completed", key, sends)
    assert [(e.idempotency_key, e.state, e.attempts) for e in gateway.ledger()] == [
        (key, "succeeded", 1)]
    assert totals(engine, r)["sale"] == (4200, 0)
