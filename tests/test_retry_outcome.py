"""A lost reply to the COMMIT of R (retry of a declined refund: failed -> pending) is never
"nothing was changed" (attack-e D2).

Before: ``legs.retry`` wrote through ``storage.db.write_tx``, which had no outcome-unknown
handling: the till said "Cannot reach the database ... nothing was changed" while the leg
was pending; the cashier refunded the rest another way (cash, a new refund) and the sweep
sent the first one too: money moved twice. Now every session write says a COMMIT of unknown
outcome as ``OutcomeUnknown``, and ``Till.check_refund`` (under the sale's lock) tells
whether the retry was stored.
"""

from __future__ import annotations

import sqlite3

import pytest

from cashier_tui.domain.errors import OutcomeUnknown, StoreUnavailable
from cashier_tui.domain.views import RefundRequest
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade
from tests.commit_proxy import CommitProxy
from tests.engine_fixtures import L, T, make_sale, make_till, totals


def declined(till, engine, n: int = 0):
    """A refund of one unit of a 2 x 15.00 card sale, declined once by the provider."""
    reference = f"REF-D2-{n}"
    till.gateway.script[reference] = "decline_once"
    receipt = make_sale(engine, [L(2, 1500)], [T("card", 3000, reference=reference)],
                        receipt_no=f"S01-T02-20261120-{n:04d}")
    line = till.get_sale(receipt).lines[0].line_id
    refund = till.commit(RefundRequest(receipt, "items", reason="defective", items={line: 1}),
                         "C001")
    refund = till.process(refund.refund_no)
    assert refund.status == "failed"
    return receipt, reference, refund


def assert_maybe_saved(err: OutcomeUnknown) -> None:
    assert "may have been saved; checking" in err.message
    assert "nothing was changed" not in err.message.lower()


@pytest.mark.postgres
def test_a_lost_reply_to_the_retry_is_checked_under_the_lock(pg_server):
    pg_server.create_database("retry_reply_lost")
    proxy = CommitProxy(pg_server.host, pg_server.port)
    engine = make_engine(proxy.url("retry_reply_lost"))
    upgrade(engine)
    till = make_till(engine, SimulatedGateway())
    try:
        for n, mode in enumerate(("withhold", "drop")):
            receipt, reference, refund = declined(till, engine, n)
            proxy.arm(mode)
            with pytest.raises(OutcomeUnknown) as err:
                till.retry(refund.refund_no)
            assert_maybe_saved(err.value)
            now = till.check_refund(refund.refund_no)
            if mode == "withhold":  # stored: back in flight, sent on
                assert [leg.state for leg in now.legs] == ["pending"] and not now.final
                assert till.process(refund.refund_no).status == "completed"
            else:  # not stored: still failed, and R retries it
                assert now.status == "failed" and now.final
                assert till.retry(refund.refund_no).status == "completed"
            assert till.gateway.refunded_total(reference) == 1500
            assert totals(engine, receipt)["sale"] == (1500, 0)
        assert proxy.trips == 2
    finally:
        engine.dispose()
        proxy.close()


@pytest.mark.parametrize("fault", ["stored", "not_stored", "refused"])
def test_sqlite_a_lost_reply_to_the_retry_is_not_nothing_changed(engine, monkeypatch, fault):
    """SQLite: the retry's COMMIT fails like a broken disk (after storing, or not): unknown.
    A COMMIT refused while the transaction is still open stored nothing: that stays busy."""
    till = make_till(engine, SimulatedGateway())
    _receipt, reference, refund = declined(till, engine)
    dialect, commit = engine.dialect, engine.dialect.do_commit
    armed = [True]

    def lose(dbapi_conn):
        if armed:
            armed.clear()
            if fault != "refused":
                (dbapi_conn.commit if fault == "stored" else dbapi_conn.rollback)()
                raise sqlite3.OperationalError("disk I/O error")
            raise sqlite3.OperationalError("database is locked")
        commit(dbapi_conn)

    monkeypatch.setattr(dialect, "do_commit", lose)
    if fault == "refused":
        with pytest.raises(StoreUnavailable):
            till.retry(refund.refund_no)
    else:
        with pytest.raises(OutcomeUnknown) as err:
            till.retry(refund.refund_no)
        assert_maybe_saved(err.value)
    now = till.check_refund(refund.refund_no)
    assert now.final == (fault != "stored")
    done = till.process(refund.refund_no) if not now.final else till.retry(refund.refund_no)
    assert done.status == "completed"
    assert till.gateway.refunded_total(reference) == 1500
