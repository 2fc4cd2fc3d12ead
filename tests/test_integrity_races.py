"""Interleavings the concurrency runs found, replayed step by step with threads and events.

Each test forces one order of two tills (an owner processing its refund and another till's
sweep) through gateway hooks, then checks the provider's ledger against the database.
"""

from __future__ import annotations

import threading

from cashier_tui.clock import FixedClock
from cashier_tui.domain.views import RefundRequest
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.storage.db import make_engine
from tests.engine_fixtures import NOW, L, T, make_sale, make_till, totals

REF = "AUTH-RACE"
WAIT = 30


class PausingGateway(SimulatedGateway):
    """A provider whose answers to ``query`` are held back until the test lets them go:
    the asking till has its answer, but has not yet recorded it."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.answered = threading.Event()
        self.release = threading.Event()

    def query(self, idempotency_key):
        result = super().query(idempotency_key)
        self.answered.set()
        assert self.release.wait(WAIT)
        return result


def test_a_stale_decline_from_a_sweep_never_overwrites_the_retry_that_succeeds(engine,
                                                                             tmp_path):
    """The sweep reads the leg as sent (attempt 1) and asks the provider: declined. Before
    it records that, the owner records the decline itself, retries (attempt 2) and the
    provider refunds. The sweep's old answer must not mark attempt 2 failed: the provider
    has refunded, so the database must say so (else the caps are released and the money
    can be refunded a second time)."""
    ledger = tmp_path / "ledger.db"
    r = make_sale(engine, [L(1, 8800)], [T("card", 8800, REF, "1234")])
    sweeper_gateway = PausingGateway({REF: "decline_once"}, ledger_path=ledger)
    sweeper = make_till(make_engine(engine.url.database), sweeper_gateway,
                        FixedClock(NOW.replace(hour=16)))  # late enough to sweep anything
    swept: list[object] = []
    sweep = threading.Thread(target=lambda: swept.append(sweeper.sweep()))
    calls: list[str] = []

    def owner_hook(stage, payload):
        calls.append(stage)
        if calls == ["submit", "submitted"]:  # attempt 1 declined, not yet recorded
            sweep.start()
            assert sweeper_gateway.answered.wait(WAIT)  # the sweep holds "declined"
        if calls == ["submit", "submitted", "submit"]:  # attempt 2, not yet at the provider
            sweeper_gateway.release.set()
            sweep.join(WAIT)  # the sweep records its old answer now
        return None

    owner = make_till(engine, SimulatedGateway({REF: "decline_once"}, ledger_path=ledger,
                                               hook=owner_hook))
    view = owner.commit(RefundRequest(r, "full", reason="defective"), "C001")
    assert owner.process(view.refund_no).status == "failed"
    again = owner.retry(view.refund_no)
    assert not sweep.is_alive() and swept
    assert [(e.state, e.attempts) for e in owner.gateway.ledger()] == [("succeeded", 2)]
    assert again.status == "completed", again.legs
    assert totals(engine, r)["sale"] == (8800, 0)
    assert owner.get_refund(view.refund_no).legs[0].attempts == 2
