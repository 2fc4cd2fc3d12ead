"""The legs' state machine against the simulated provider: declines, timeouts, crashes."""

from __future__ import annotations

import logging

import pytest

from cashier_tui.clock import FixedClock
from cashier_tui.domain.errors import RefundRejected
from cashier_tui.domain.views import RefundRequest
from cashier_tui.gateways.base import GatewayResult
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services.legs import lines_state, refund_status
from cashier_tui.storage.db import make_engine
from tests.engine_fixtures import NOW, L, T, make_sale, make_till, totals

REF = "AUTH-0001"


class Crash(BaseException):
    """The till dies here (a power cut): nothing after this line of the till runs."""


def full(receipt: str) -> RefundRequest:
    return RefundRequest(receipt, "full", reason="defective")


def card_sale(engine, amount: int = 18900, **kw) -> str:
    return make_sale(engine, [L(1, amount)], [T("card", amount, REF, "3306", **kw)])


def assert_ledger_matches(engine, gateway, receipt):
    """What the provider really refunded equals what the database says, per tender."""
    t = totals(engine, receipt)
    for (refunded, _in_flight), reference in zip(t["tenders"], t["references"], strict=True):
        if reference is not None:
            assert gateway.refunded_total(reference) == refunded


def test_status_and_lines_follow_the_leg_states():
    assert refund_status(["pending", "succeeded"]) == "pending"
    assert refund_status(["succeeded", "succeeded"]) == "completed"
    assert refund_status(["failed", "failed"]) == "failed"
    assert refund_status(["failed", "succeeded"]) == "partial"
    assert refund_status(["unknown"]) == "pending"
    assert lines_state(["sent"]) == "in_flight"
    assert lines_state(["failed", "succeeded"]) == "refunded"
    assert lines_state(["failed"]) == "released"


def test_a_refund_goes_pending_sent_succeeded(engine):
    gateway = SimulatedGateway()
    till = make_till(engine, gateway)
    r = card_sale(engine)
    view = till.commit(full(r), "C001")
    assert (view.status, view.legs[0].state, view.legs[0].attempts) == ("pending", "pending", 0)
    assert totals(engine, r)["sale"] == (0, 18900)
    steps = []
    done = till.process(view.refund_no, lambda step, detail: steps.append(step))
    assert steps == ["saving", "sending", "recording", "done"]
    assert (done.status, done.legs[0].state, done.legs[0].attempts) == ("completed",
                                                                        "succeeded", 1)
    assert done.legs[0].idempotency_key == view.legs[0].idempotency_key
    assert totals(engine, r)["sale"] == (18900, 0)
    assert [(e.idempotency_key, e.amount, e.state) for e in gateway.ledger()] == [
        (view.legs[0].idempotency_key, 18900, "succeeded")]
    assert_ledger_matches(engine, gateway, r)


def test_decline_releases_the_caps_then_retry_uses_the_same_key(engine):
    gateway = SimulatedGateway({REF: "decline_once"})
    till = make_till(engine, gateway)
    r = card_sale(engine)
    first = till.process(till.commit(full(r), "C001").refund_no)
    assert (first.status, first.legs[0].state) == ("failed", "failed")
    assert "Declined" in first.legs[0].error
    assert totals(engine, r)["sale"] == (0, 0)
    assert totals(engine, r)["lines"] == [(0, 0, 0, 0)]  # released with the legs
    again = till.retry(first.refund_no)
    assert (again.status, again.legs[0].attempts) == ("completed", 2)
    assert again.legs[0].idempotency_key == first.legs[0].idempotency_key
    assert [(e.attempts, e.state) for e in gateway.ledger()] == [(2, "succeeded")]
    assert totals(engine, r)["lines"] == [(1, 0, 18900, 0)]
    assert_ledger_matches(engine, gateway, r)


def test_retry_is_refused_when_the_caps_are_gone(engine):
    gateway = SimulatedGateway({REF: "decline"})
    till = make_till(engine, gateway)
    r = make_sale(engine, [L(1, 10000)], [T("card", 6000, REF), T("cash", 4000)])
    failed = till.process(till.commit(full(r), "C001").refund_no)
    assert failed.status == "partial"  # the cash leg went, the card leg was declined
    assert totals(engine, r)["tenders"] == [(0, 0), (4000, 0)]
    gateway.script[REF] = "ok"
    other = till.process(till.commit(RefundRequest(r, "amount", amount=6000,
                                                   reason="price_adjustment"), "C001")
                         .refund_no)
    assert other.status == "completed"
    with pytest.raises(RefundRejected) as err:
        till.retry(failed.refund_no)
    assert err.value.problems[0].code == "caps_gone"
    assert totals(engine, r)["tenders"] == [(6000, 0), (4000, 0)]
    assert till.get_refund(failed.refund_no).legs[0].state == "failed"


def test_timeout_then_query_settles_and_never_refunds_twice(engine):
    gateway = SimulatedGateway({REF: "timeout_then_success"})
    till = make_till(engine, gateway)
    r = card_sale(engine)
    view = till.process(till.commit(full(r), "C001").refund_no)
    assert (view.status, view.legs[0].state) == ("pending", "unknown")
    assert "Retry" in view.legs[0].error
    assert totals(engine, r)["sale"] == (0, 18900)  # still reserved while unknown
    steps = []
    settled = till.retry(view.refund_no, lambda step, detail: steps.append(step))
    assert steps == ["waiting", "recording", "done"]  # asked, not sent again
    assert (settled.status, settled.legs[0].attempts) == ("completed", 1)
    assert gateway.refunded_total(REF) == 18900
    assert [e.attempts for e in gateway.ledger()] == [1]
    assert_ledger_matches(engine, gateway, r)


def test_a_lost_request_is_submitted_again_with_the_same_key(engine):
    gateway = SimulatedGateway({REF: "lost_once"})
    till = make_till(engine, gateway)
    r = card_sale(engine)
    view = till.process(till.commit(full(r), "C001").refund_no)
    assert view.legs[0].state == "unknown"
    steps = []
    done = till.retry(view.refund_no, lambda step, detail: steps.append(step))
    assert steps == ["waiting", "saving", "sending", "recording", "done"]
    assert (done.status, done.legs[0].attempts) == ("completed", 2)
    assert len(gateway.ledger()) == 1 and gateway.refunded_total(REF) == 18900


def test_sweep_after_a_crash_between_commit_and_gateway_call(engine, tmp_path):
    ledger = tmp_path / "provider.db"
    r = card_sale(engine)
    crashed = make_till(engine, SimulatedGateway(ledger_path=ledger))
    number = crashed.commit(full(r), "C001").refund_no  # ... and the till died here
    restarted_engine = make_engine(engine.url.database)
    gateway = SimulatedGateway(ledger_path=ledger)
    (view,) = make_till(restarted_engine, gateway).sweep()
    assert (view.refund_no, view.status) == (number, "completed")
    assert totals(engine, r)["sale"] == (18900, 0)
    assert make_till(restarted_engine, gateway).sweep() == []  # nothing left to settle
    assert_ledger_matches(engine, gateway, r)
    restarted_engine.dispose()


@pytest.mark.parametrize(("stage", "attempts"), [("submit", 2), ("submitted", 1)])
def test_sweep_after_a_crash_around_the_gateway_call(engine, tmp_path, stage, attempts):
    """A crash after the leg was marked sent: before the provider saw it (query: not found,
    submit again) or after it refunded (query: succeeded). Either way exactly once."""
    ledger = tmp_path / "provider.db"
    r = card_sale(engine)

    def die(at, payload):
        if at == stage:
            raise Crash()

    till = make_till(engine, SimulatedGateway(ledger_path=ledger, hook=die))
    number = till.commit(full(r), "C001").refund_no
    with pytest.raises(Crash):
        till.process(number)
    assert till.get_refund(number).legs[0].state == "sent"
    gateway = SimulatedGateway(ledger_path=ledger)
    (view,) = make_till(engine, gateway).sweep()
    assert (view.status, view.legs[0].attempts) == ("completed", attempts)
    assert gateway.refunded_total(REF) == 18900 and len(gateway.ledger()) == 1
    assert_ledger_matches(engine, gateway, r)


def test_a_gateway_that_raises_leaves_the_leg_unknown(engine):
    def network_down(at, payload):
        raise TimeoutError("read timed out")

    gateway = SimulatedGateway(hook=network_down)
    till = make_till(engine, gateway)
    r = card_sale(engine)
    view = till.process(till.commit(full(r), "C001").refund_no)
    assert view.legs[0].state == "unknown" and view.status == "pending"
    gateway.hook = None
    assert till.retry(view.refund_no).status == "completed"


def test_split_refund_partly_declined_is_partial_then_retried(engine):
    gateway = SimulatedGateway({"AUTH-C": "decline_once"})
    till = make_till(engine, gateway)
    r = make_sale(engine, [L(2, 5000)], [T("card", 5000, "AUTH-C"), T("wechat", 5000, "WX-1")])
    view = till.process(till.commit(full(r), "C001").refund_no)
    assert view.status == "partial"
    assert [x.state for x in view.legs] == ["failed", "succeeded"]
    assert totals(engine, r)["lines"] == [(2, 0, 10000, 0)]  # goods back, money partly
    assert totals(engine, r)["sale"] == (5000, 0)
    done = till.retry(view.refund_no)
    assert done.status == "completed" and totals(engine, r)["sale"] == (10000, 0)
    assert totals(engine, r)["lines"] == [(2, 0, 10000, 0)]
    assert_ledger_matches(engine, gateway, r)


def test_an_unsettled_card_is_voided_at_the_provider(engine):
    gateway = SimulatedGateway()
    till = make_till(engine, gateway)
    r = card_sale(engine, settled=False)
    view = till.process(till.commit(full(r), "C001").refund_no)
    assert view.legs[0].action == "void" and view.status == "completed"
    assert [e.action for e in gateway.ledger()] == ["void"]


def test_slow_provider_sleeps_through_the_injected_sleep(engine):
    naps = []
    gateway = SimulatedGateway({REF: "slow"}, sleep=naps.append, slow_seconds=4.0)
    till = make_till(engine, gateway)
    r = card_sale(engine)
    assert till.process(till.commit(full(r), "C001").refund_no).status == "completed"
    assert naps == [4.0]


def test_the_provider_refuses_more_than_the_original_payment(engine):
    gateway = SimulatedGateway(paid={REF: 100})
    till = make_till(engine, gateway)
    r = card_sale(engine, amount=18900)
    view = till.process(till.commit(full(r), "C001").refund_no)
    assert view.status == "failed" and "exceeds" in view.legs[0].error
    assert gateway.refunded_total(REF) == 0


def test_transitions_are_logged_with_the_refund_number(engine, caplog):
    till = make_till(engine, SimulatedGateway(), FixedClock(NOW))
    r = card_sale(engine)
    with caplog.at_level(logging.INFO, logger="cashier_tui.refunds"):
        number = till.process(till.commit(full(r), "C001").refund_no).refund_no
    messages = [rec.getMessage() for rec in caplog.records]
    assert any(number in m and "committed" in m for m in messages)
    assert any(number in m and "succeeded" in m for m in messages)
    assert not any(REF in m or "3306" in m for m in messages)


def test_a_repeated_key_answers_the_first_success(engine):
    from cashier_tui.gateways.base import GatewayRequest

    gateway = SimulatedGateway()
    request = GatewayRequest("k1", "refund", "card", REF, 500, "CNY", "R-1")
    first, second = gateway.submit(request), gateway.submit(request)
    assert first == second == GatewayResult("succeeded", gateway_ref=first.gateway_ref)
    assert gateway.refunded_total(REF) == 500
    changed = gateway.submit(GatewayRequest("k1", "refund", "card", REF, 900, "CNY", "R-1"))
    assert changed.outcome == "failed" and gateway.refunded_total(REF) == 500


def test_retry_of_an_unknown_refund_number_says_so(engine):
    from cashier_tui.domain.errors import RefundNotFound

    with pytest.raises(RefundNotFound):
        make_till(engine).retry("R-T01-261120-0404")


def test_retry_is_refused_when_the_items_were_refunded_meanwhile(engine):
    gateway = SimulatedGateway({REF: "decline"})
    till = make_till(engine, gateway)
    r = make_sale(engine, [L(2, 5000)], [T("card", 5000, REF), T("wechat", 5000, "WX-2")])
    gateway.script["WX-2"] = "decline"
    line = till.get_sale(r).lines[0].line_id
    items = RefundRequest(r, "items", items={line: 2}, reason="defective")
    failed = till.process(till.commit(items, "C001").refund_no)
    assert failed.status == "failed" and totals(engine, r)["lines"] == [(0, 0, 0, 0)]
    gateway.script.update({REF: "ok", "WX-2": "ok"})
    till.process(till.commit(items, "C001").refund_no)  # the same goods, refunded anew
    with pytest.raises(RefundRejected) as err:
        till.retry(failed.refund_no)
    assert err.value.problems[0].code == "caps_gone"
    assert totals(engine, r)["lines"] == [(2, 0, 10000, 0)]
    assert totals(engine, r)["sale"] == (10000, 0)


@pytest.mark.parametrize(("behaviour", "attempts"), [("lost_once", 2),
                                                     ("timeout_then_success", 1)])
def test_one_sweep_settles_a_leg_whose_first_request_is_lost(engine, tmp_path, behaviour,
                                                             attempts):
    """A till dies after the commit; the sweep's send is lost (the provider never saw it)
    or its reply is lost. Before: the sweep left the leg unknown and only the next sweep
    settled it. Now the sweep asks again at once with the same key (issue 17.9)."""
    ledger = tmp_path / "provider.db"
    r = card_sale(engine)
    number = make_till(engine, SimulatedGateway(ledger_path=ledger)).commit(
        full(r), "C001").refund_no  # ... and the till died here
    gateway = SimulatedGateway({REF: behaviour}, ledger_path=ledger)
    (view,) = make_till(engine, gateway).sweep()
    assert (view.refund_no, view.status) == (number, "completed")
    assert view.legs[0].attempts == attempts
    (entry,) = gateway.ledger()  # one key, refunded once
    assert (entry.state, entry.attempts) == ("succeeded", attempts)
    assert totals(engine, r)["sale"] == (18900, 0)
    assert_ledger_matches(engine, gateway, r)


def test_the_cashiers_own_send_still_stops_at_the_first_unknown(engine):
    """Only sweeps go round again: the cashier sees the timeout and presses R (demo mode's
    'a timeout that a retry settles')."""
    gateway = SimulatedGateway({REF: "timeout_then_success"})
    till = make_till(engine, gateway)
    view = till.process(till.commit(full(card_sale(engine)), "C001").refund_no)
    assert view.legs[0].state == "unknown"
    assert till.retry(view.refund_no).status == "completed"
