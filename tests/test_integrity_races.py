"""Interleavings the concurrency runs found, replayed step by step with threads and events.

Each test forces one order of two tills (an owner processing its refund and another till's
sweep) through gateway hooks, then checks the provider's ledger against the database.
"""

from __future__ import annotations

import threading

from cashier_tui.clock import FixedClock
from cashier_tui.domain.views import RefundRequest
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services.till import Till
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


def hold_submit(started: threading.Event, go: threading.Event):
    """A provider hook: the owner's submit waits here (a slow provider) until ``go``."""
    def hook(stage, payload):
        if stage == "submit":
            started.set()
            assert go.wait(WAIT)
        return None
    return hook


def owner_in_call(engine, ledger, receipt):
    """The owner commits and is inside its gateway call (leg sent, attempt 1), in a thread."""
    started, go = threading.Event(), threading.Event()
    owner = make_till(engine, SimulatedGateway(ledger_path=ledger,
                                               hook=hold_submit(started, go)))
    view = owner.commit(RefundRequest(receipt, "full", reason="defective"), "C001")
    done: list[object] = []
    thread = threading.Thread(target=lambda: done.append(owner.process(view.refund_no)))
    thread.start()
    assert started.wait(WAIT)
    return view.refund_no, go, thread, done


def test_another_tills_sweep_leaves_a_leg_alone_while_its_owner_is_sending_it(engine,
                                                                           tmp_path):
    ledger = tmp_path / "ledger.db"
    r = make_sale(engine, [L(1, 5000)], [T("card", 5000, REF)])
    _refund_no, go, thread, done = owner_in_call(engine, ledger, r)
    gateway = SimulatedGateway(ledger_path=ledger)
    other = make_till(make_engine(engine.url.database), gateway, till_id="T09")
    assert other.sweep() == []  # its start sweep: another till's young leg is left alone
    assert other.sweep() == []  # and so is every later one within the grace
    go.set()
    thread.join(WAIT)
    assert done[0].status == "completed" and done[0].legs[0].attempts == 1
    assert [e.attempts for e in gateway.ledger()] == [1]


def test_a_sent_leg_older_than_the_grace_is_taken_over_and_refunded_once(engine, tmp_path):
    ledger = tmp_path / "ledger.db"
    r = make_sale(engine, [L(1, 5000)], [T("card", 5000, REF)])
    refund_no, go, thread, _done = owner_in_call(engine, ledger, r)  # the owner hangs
    clock = FixedClock(NOW)
    gateway = SimulatedGateway(ledger_path=ledger)
    other = make_till(make_engine(engine.url.database), gateway, clock, till_id="T09")
    assert other.sweep() == []
    clock.advance(seconds=61)
    (view,) = other.sweep()
    assert view.status == "completed" and view.legs[0].attempts == 2  # queried, resent
    go.set()
    thread.join(WAIT)  # the owner's late answer changes nothing
    assert make_till(engine).get_refund(refund_no).legs[0].attempts == 2
    # One refund at the provider: the owner's late submit was answered from the ledger.
    assert [e.state for e in gateway.ledger()] == ["succeeded"]
    assert gateway.refunded_total(REF) == 5000
    assert totals(engine, r)["sale"] == (5000, 0)


def test_a_till_restarting_settles_its_own_sent_legs_at_once_but_not_later_ones(engine,
                                                                              tmp_path):
    ledger = tmp_path / "ledger.db"
    r1 = make_sale(engine, [L(1, 5000)], [T("card", 5000, REF)], receipt_no="R-ONE")
    r2 = make_sale(engine, [L(1, 3000)], [T("card", 3000, "AUTH-TWO")], receipt_no="R-TWO")
    crashed = make_till(engine, SimulatedGateway(ledger_path=ledger))
    first = crashed.commit(RefundRequest(r1, "full", reason="defective"), "C001")  # crash
    gateway = SimulatedGateway(ledger_path=ledger)
    restarted = Till(make_engine(engine.url.database), gateway, FixedClock(NOW))  # T01 too
    (view,) = restarted.sweep()  # its start: its own pending leg is settled at once
    assert (view.refund_no, view.status) == (first.refund_no, "completed")
    second = restarted.commit(RefundRequest(r2, "full", reason="defective"), "C001")
    assert restarted.sweep() == []  # a periodic sweep: the cashier's own worker has it
    assert restarted.process(second.refund_no).status == "completed"
    assert [e.attempts for e in gateway.ledger()] == [1, 1]


def test_unknown_legs_are_swept_at_once(engine, tmp_path):
    ledger = tmp_path / "ledger.db"
    r = make_sale(engine, [L(1, 5000)], [T("card", 5000, REF)])
    owner = make_till(engine, SimulatedGateway({REF: "timeout_then_success"},
                                               ledger_path=ledger))
    view = owner.process(owner.commit(RefundRequest(r, "full", reason="defective"),
                                      "C001").refund_no)
    assert view.legs[0].state == "unknown"
    other = make_till(make_engine(engine.url.database),
                      SimulatedGateway(ledger_path=ledger), till_id="T09")
    (settled,) = other.sweep()  # no grace for a leg nobody is waiting on
    assert settled.status == "completed" and settled.legs[0].attempts == 1
