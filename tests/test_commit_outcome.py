"""A lost reply to COMMIT never leads to a second refund (issue 17.1).

Before: on PostgreSQL a connection that broke after COMMIT reached the server was reported
"Cannot reach the database ... nothing was changed"; the cashier repeated the refund, a
second refund committed, the sweep sent the first one too: the provider refunded twice.
Now the outcome is *unknown* (``OutcomeUnknown``, "the refund may have been saved;
checking"), the till finds the refund by the request key it made before the commit, and a
repeat of the same request (same key) returns the first refund instead of making another.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from cashier_tui.clock import FixedClock
from cashier_tui.domain.errors import OutcomeUnknown
from cashier_tui.domain.views import RefundRequest
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services.till import Till
from cashier_tui.storage.db import make_engine, read_tx
from cashier_tui.storage.migrate import upgrade
from cashier_tui.storage.models import Refund
from tests.commit_proxy import CommitProxy
from tests.engine_fixtures import NOW, L, T, make_sale, make_till, totals


def refunds_of(engine) -> int:
    with read_tx(engine) as session:
        return session.connection().execute(select(func.count()).select_from(Refund)).scalar()


def assert_unknown(err: OutcomeUnknown, key: str) -> None:
    assert "the refund may have been saved; checking" in err.message
    assert "nothing was changed" not in err.message.lower()
    assert err.params["request_key"] == key


@contextmanager
def proxied(pg_server, name: str, gateway=None):
    """A fresh PostgreSQL database behind a ``CommitProxy``: (proxy, engine, till)."""
    pg_server.create_database(name)
    proxy = CommitProxy(pg_server.host, pg_server.port)
    engine = make_engine(proxy.url(name))
    upgrade(engine)
    try:
        yield proxy, engine, make_till(engine, gateway)
    finally:
        engine.dispose()
        proxy.close()


def proxy_run(pg_server, name: str, rounds: int) -> dict:
    """``rounds`` refunds, each committed through the proxy with its reply lost: COMMIT
    withheld (stored) or dropped (not stored), in turn. Each time the till says the outcome
    is unknown, looks the refund up by its key, and the cashier repeats the same request."""
    pg_server.create_database(name)
    proxy = CommitProxy(pg_server.host, pg_server.port)
    engine = make_engine(proxy.url(name))
    upgrade(engine)
    gateway = SimulatedGateway()
    till = make_till(engine, gateway)
    figures = {"rounds": rounds, "unknown": 0, "found_stored": 0, "found_not_stored": 0,
               "double_refunds": 0}
    try:
        for n in range(rounds):
            mode = ("withhold", "drop")[n % 2]
            receipt = make_sale(engine, [L(2, 1500)], [T("card", 2000), T("wechat", 1000)],
                                receipt_no=f"S01-T02-20261120-{n:04d}")
            request = RefundRequest(receipt, "full", reason="defective",
                                    request_key=till.request_key())
            before = refunds_of(engine)
            proxy.arm(mode)
            with pytest.raises(OutcomeUnknown) as err:
                till.commit(request, "C001")
            figures["unknown"] += 1
            assert_unknown(err.value, request.request_key)
            # The database answers again (the pool replaced the broken connection).
            found = till.find_by_request_key(request.request_key, receipt)
            if mode == "withhold":
                assert found is not None and found.receipt_no == receipt
                figures["found_stored"] += 1
            else:
                assert found is None and refunds_of(engine) == before
                figures["found_not_stored"] += 1
            # The cashier repeats the refund: the same attempt, the same key.
            again = till.commit(request, "C001")
            assert found is None or again.refund_no == found.refund_no
            assert till.commit(request, "C001").refund_no == again.refund_no
            done = till.process(again.refund_no)
            assert done.status == "completed"
            assert till.sweep() == []
            made = refunds_of(engine) - before
            figures["double_refunds"] += made - 1
            t = totals(engine, receipt)
            assert t["sale"] == (3000, 0)
            for ref, paid in zip(t["references"], (2000, 1000), strict=True):
                assert gateway.refunded_total(ref) == paid
        # The provider was asked exactly once per leg.
        ledger = gateway.ledger()
        assert len(ledger) == 2 * rounds and {e.attempts for e in ledger} == {1}
        assert proxy.trips == rounds
    finally:
        engine.dispose()
        proxy.close()
    return figures


@pytest.mark.postgres
def test_a_commit_whose_reply_is_lost_is_found_by_its_key_never_made_twice(pg_server):
    figures = proxy_run(pg_server, "commit_reply_lost", 6)
    assert figures == {"rounds": 6, "unknown": 6, "found_stored": 3, "found_not_stored": 3,
                       "double_refunds": 0}


@pytest.mark.integrity
@pytest.mark.postgres
def test_many_lost_commit_replies_long(pg_server):
    from tests.integrity.common import write_figures

    figures = proxy_run(pg_server, "commit_reply_lost_long", 100)
    write_figures("commit_reply_lost", figures)
    assert figures["double_refunds"] == 0 and figures["unknown"] == 100


# --- SQLite: the same contract, the fault injected at COMMIT --------------------------------

def lose_commit_reply(engine, *, store: bool):
    """A listener that, at the next COMMIT, commits (``store``) or not, then fails the way a
    broken disk or connection does: the till cannot know which happened."""
    armed = [True]

    def at_commit(conn, cursor, statement, *args):
        if armed and statement == "COMMIT":
            armed.clear()
            if store:
                cursor.connection.commit()
            else:
                cursor.connection.rollback()
            raise sqlite3.OperationalError("disk I/O error")

    event.listen(engine, "before_cursor_execute", at_commit)
    return lambda: event.remove(engine, "before_cursor_execute", at_commit)


@pytest.mark.parametrize("stored", [True, False])
def test_sqlite_a_repeat_with_the_same_key_never_makes_a_second_refund(engine, stored):
    receipt = make_sale(engine, [L(1, 1000)], [T("card", 1000)])
    gateway = SimulatedGateway()
    till = make_till(engine, gateway)
    request = RefundRequest(receipt, "full", reason="defective",
                            request_key=till.request_key())
    remove = lose_commit_reply(engine, store=stored)
    try:
        with pytest.raises(OutcomeUnknown) as err:
            till.commit(request, "C001")
    finally:
        remove()
    assert_unknown(err.value, request.request_key)
    found = till.find_by_request_key(request.request_key, receipt)
    assert (found is not None) == stored and refunds_of(engine) == int(stored)
    first = till.commit(request, "C001")
    assert found is None or first.refund_no == found.refund_no
    assert till.process(first.refund_no).status == "completed"
    # Once more, after it was sent: still the first refund, nothing new reserved or sent.
    assert till.commit(request, "C001").refund_no == first.refund_no
    assert refunds_of(engine) == 1
    assert totals(engine, receipt)["sale"] == (1000, 0)
    assert [e.attempts for e in gateway.ledger()] == [1]


def test_a_commit_refused_at_commit_time_is_not_unknown(engine):
    """A COMMIT that failed while the transaction is still open stored nothing for sure:
    that stays a plain database error, not an unknown outcome."""
    receipt = make_sale(engine, [L(1, 1000)], [T("card", 1000)])
    till = make_till(engine)
    armed = [True]

    def refuse(conn, cursor, statement, *args):
        if armed and statement == "COMMIT":
            armed.clear()
            raise sqlite3.OperationalError("database is locked")

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        from cashier_tui.domain.errors import StoreUnavailable

        with pytest.raises(StoreUnavailable):
            till.commit(RefundRequest(receipt, "full", reason="defective"), "C001")
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
    assert refunds_of(engine) == 0


def test_a_till_of_its_own_engine_finds_nothing_for_an_unknown_key(engine):
    receipt = make_sale(engine, [L(1, 1000)], [T("card", 1000)])
    till = Till(engine, SimulatedGateway(), FixedClock(NOW))
    assert till.find_by_request_key("0" * 32, receipt) is None



# --- the look-up by key waits for a commit the server is still finishing (attack-e D1) -----

@pytest.mark.postgres
def test_the_look_up_waits_for_a_commit_the_server_finishes_late(pg_server):
    """The proxy cuts the till's socket at COMMIT and passes COMMIT to the server later.
    Before: the look-up was one plain read, blocked by nothing, so it said "not stored"
    while the lost transaction still held the sale's lock (then committed): the cashier,
    told "not saved", refunded again at another till. Now it takes the sale's lock first:
    it waits for the late COMMIT and finds the refund; when the lock does not come within
    the lock timeout, it stays unknown (StoreUnavailable) rather than "not stored"."""
    import time

    from cashier_tui.domain.errors import StoreUnavailable

    with proxied(pg_server, "commit_late") as (proxy, engine, till):
        for n, delay in enumerate((1.5, 7.0)):  # within the 5 s lock timeout, then beyond
            receipt = make_sale(engine, [L(1, 1000)], [T("card", 1000)],
                                receipt_no=f"S01-T02-20261120-{n:04d}")
            request = RefundRequest(receipt, "full", reason="defective",
                                    request_key=till.request_key())
            proxy.arm("delay", delay)
            with pytest.raises(OutcomeUnknown):
                till.commit(request, "C001")
            started = time.monotonic()
            if delay < 5:
                found = till.find_by_request_key(request.request_key, receipt)
                assert found is not None and found.receipt_no == receipt
            else:
                with pytest.raises(StoreUnavailable):
                    till.find_by_request_key(request.request_key, receipt)
                assert time.monotonic() - started < 6.5
                assert proxy.delayed.wait(10)
                assert till.find_by_request_key(request.request_key, receipt) is not None
            again = till.commit(request, "C001")  # R: the same refund, never a second
            assert again.refund_no == till.find_by_request_key(
                request.request_key, receipt).refund_no
        assert refunds_of(engine) == 2
        # The server ends a transaction left open by a till that lost its connection.
        with engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SHOW idle_in_transaction_session_timeout").scalar() == "30s"
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "5s"


def test_sqlite_the_look_up_waits_for_a_commit_still_running(engine):
    """SQLite: the commit holds the write lock (BEGIN IMMEDIATE) and is slow to finish;
    a look-up at that moment read its snapshot and said "not stored". Now it takes the
    write lock (within the busy timeout) and finds the refund."""
    import threading
    import time

    receipt = make_sale(engine, [L(1, 1000)], [T("card", 1000)])
    till = make_till(engine)
    request = RefundRequest(receipt, "full", reason="defective", request_key=till.request_key())
    at_commit = threading.Event()

    def slow_commit(conn, cursor, statement, *args):
        if statement == "COMMIT" and not at_commit.is_set():
            at_commit.set()
            time.sleep(1.0)

    event.listen(engine, "before_cursor_execute", slow_commit)
    try:
        worker = threading.Thread(target=till.commit, args=(request, "C001"))
        worker.start()
        assert at_commit.wait(5)
        found = till.find_by_request_key(request.request_key, receipt)
        worker.join()
    finally:
        event.remove(engine, "before_cursor_execute", slow_commit)
    assert found is not None and found.receipt_no == receipt


def test_a_request_key_of_another_sale_is_refused(engine):
    """Before: a request carrying a key stored for another sale returned that sale's refund
    as if this one had been made (attack-e, also (a))."""
    from cashier_tui.domain.errors import Conflict

    till = make_till(engine)
    first = make_sale(engine, [L(1, 1000)], [T("card", 1000)])
    other = make_sale(engine, [L(1, 2000)], [T("card", 2000)],
                      receipt_no="S01-T02-20261120-0043")
    key = till.request_key()
    made = till.commit(RefundRequest(first, "full", reason="defective", request_key=key), "C001")
    with pytest.raises(Conflict) as err:
        till.commit(RefundRequest(other, "full", reason="defective", request_key=key), "C001")
    assert made.refund_no in err.value.message and "nothing was changed" in err.value.message
    assert refunds_of(engine) == 1 and totals(engine, other)["sale"] == (0, 0)


@pytest.mark.postgres
def test_a_transaction_orphaned_at_commit_is_ended_by_the_server(pg_server, monkeypatch):
    """The COMMIT never reaches the server (client cut, server connection alive): the
    server's idle-in-transaction timeout ends the orphan and frees the sale, and "not
    stored" is then the final answer. Before: no timeout on the till's connections, and
    even with one, psycopg's pipelined ``executemany`` (the commit's last statement) left
    the server's timer unarmed: the orphan held the sale's lock until its connection died
    (attack-e attack9: R and another till blocked > 15 s)."""
    import time

    from cashier_tui.storage import db

    monkeypatch.setattr(db, "PG_IDLE_IN_TRANSACTION_MS", 1500)  # 30 s in service
    with proxied(pg_server, "commit_orphan") as (proxy, engine, till):
        receipt = make_sale(engine, [L(1, 1000)], [T("card", 1000)])
        request = RefundRequest(receipt, "full", reason="defective",
                                request_key=till.request_key())
        proxy.arm("delay", 60.0)  # never, within this test
        with pytest.raises(OutcomeUnknown):
            till.commit(request, "C001")
        started = time.monotonic()
        assert till.find_by_request_key(request.request_key, receipt) is None
        assert time.monotonic() - started < 4.5  # the orphan ended after 1.5 s idle
        assert till.commit(request, "C001").receipt_no == receipt
        assert refunds_of(engine) == 1
