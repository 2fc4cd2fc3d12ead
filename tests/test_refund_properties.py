"""Properties of the refund engine on a real SQLite file (DESIGN.md §5, §6):

* no sequence of refunds by line, by amount and in full — with declines, lost answers,
  retries and cash payouts in between — takes any line, tender or sale over what it paid,
  and the database always agrees with itself and with the provider's ledger;
* refunding every unit one at a time, in any order, returns exactly what was paid.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from cashier_tui.clock import FixedClock
from cashier_tui.domain.errors import RefundRejected
from cashier_tui.domain.policy import Policy
from cashier_tui.domain.views import Approval, RefundRequest
from cashier_tui.gateways.base import GatewayResult
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services import people
from cashier_tui.services.legs import lines_state
from cashier_tui.storage.db import make_engine, read_tx
from cashier_tui.storage.migrate import upgrade
from cashier_tui.storage.models import Refund, RefundLeg, RefundLine, Sale, SaleLine, Tender
from tests.engine_fixtures import MANAGER_PIN, NOW, L, T, make_sale, make_till

BOSS = Approval("M001", MANAGER_PIN)
LENIENT = Policy(approval_threshold=10**12, window_days=10**6)
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """One migrated database with a manager, copied for every example (fast and fresh)."""
    path = tmp_path_factory.mktemp("template") / "till.db"
    engine = make_engine(path)
    upgrade(engine)
    people.add_cashier(engine, "M001", "Boss", "manager", MANAGER_PIN, FixedClock(NOW))
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@st.composite
def sales(draw):
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        qty, price = draw(st.integers(1, 5)), draw(st.integers(1, 9000))
        lines.append(L(qty, price, discount=draw(st.integers(0, qty * price - 1))))
    total = sum(x.net for x in lines)
    cuts = sorted(draw(st.sets(st.integers(1, total - 1), max_size=2))) if total > 1 else []
    amounts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    methods = draw(st.lists(st.sampled_from(["card", "wechat", "cash"]),
                            min_size=len(amounts), max_size=len(amounts)))
    settled = draw(st.booleans())
    return lines, [T(m, a, settled=settled) for m, a in zip(methods, amounts, strict=True)]


operation = st.one_of(
    st.tuples(st.just("items"), st.dictionaries(st.integers(0, 2), st.integers(0, 4),
                                                max_size=3)),
    st.tuples(st.just("amount"), st.integers(1, 120)),  # percent of what is refundable
    st.tuples(st.just("full"), st.none()),
    st.tuples(st.just("retry"), st.none()),
)
step = st.tuples(operation, st.sampled_from(["original", "original", "cash"]),
                 st.sampled_from(["ok", "ok", "decline", "unknown"]))


def check_invariants(engine, receipt, gateway):
    with read_tx(engine) as s:
        sale = s.exec(select(Sale).where(Sale.receipt_no == receipt)).one()
        lines = {x.id: x for x in s.exec(select(SaleLine).where(SaleLine.sale_id == sale.id))}
        tenders = {x.id: x for x in s.exec(select(Tender).where(Tender.sale_id == sale.id))}
        refunds = s.exec(select(Refund).where(Refund.sale_id == sale.id)).all()
        legs = s.exec(select(RefundLeg).where(RefundLeg.tender_id.in_(tenders))).all()
        rlines = s.exec(select(RefundLine).where(RefundLine.sale_line_id.in_(lines))).all()
        for x in lines.values():
            assert 0 <= x.refunded_qty + x.in_flight_qty <= x.qty
            assert 0 <= x.refunded_amount + x.in_flight_amount <= x.net
        for t in tenders.values():
            assert t.refunded >= 0 and t.in_flight >= 0 and t.refunded + t.in_flight <= t.amount
        assert sale.refunded == sum(t.refunded for t in tenders.values())
        assert sale.in_flight == sum(t.in_flight for t in tenders.values())
        assert sale.refunded + sale.in_flight <= sale.total
        # every cap is exactly the sum of the legs and refund lines that hold it
        done, held, at_provider = defaultdict(int), defaultdict(int), defaultdict(int)
        for leg in legs:
            if leg.state == "succeeded":
                done[leg.tender_id] += leg.amount
                if leg.action != "cash":
                    at_provider[tenders[leg.tender_id].reference] += leg.amount
            elif leg.state != "failed":
                held[leg.tender_id] += leg.amount
        for t in tenders.values():
            assert (t.refunded, t.in_flight) == (done[t.id], held[t.id])
            if t.reference:
                assert gateway.refunded_total(t.reference) == at_provider[t.reference]
        states = defaultdict(list)
        for leg in legs:
            states[leg.refund_id].append(leg.state)
        where = {r.id: lines_state(states[r.id]) for r in refunds}
        sums = defaultdict(lambda: [0, 0, 0, 0])
        for rl in rlines:
            if where[rl.refund_id] == "refunded":
                sums[rl.sale_line_id][0] += rl.qty
                sums[rl.sale_line_id][2] += rl.amount
            elif where[rl.refund_id] == "in_flight":
                sums[rl.sale_line_id][1] += rl.qty
                sums[rl.sale_line_id][3] += rl.amount
        for x in lines.values():
            assert [x.refunded_qty, x.in_flight_qty, x.refunded_amount,
                    x.in_flight_amount] == sums[x.id]
        return sale.total, sale.refunded, sale.in_flight


def fresh_engine(template: Path, workdir: str):
    path = Path(workdir) / "till.db"
    shutil.copyfile(template, path)
    return make_engine(path)


@SETTINGS
@given(sale=sales(), steps=st.lists(step, max_size=8))
def test_no_sequence_of_refunds_goes_over_what_was_paid(template, sale, steps):
    lines, tenders = sale
    answer = {"next": "ok"}

    def provider(stage, payload):
        if stage == "submit" and answer["next"] == "decline":
            return GatewayResult("failed", error="Declined by the provider.")
        if stage == "submit" and answer["next"] == "unknown":
            return GatewayResult("unknown")
        return None

    with tempfile.TemporaryDirectory() as workdir:
        engine = fresh_engine(template, workdir)
        gateway = SimulatedGateway(hook=provider)
        till = make_till(engine, gateway, policy=LENIENT)
        r = make_sale(engine, lines, tenders)
        ids = [x.line_id for x in till.get_sale(r).lines]
        numbers = []
        for (kind, arg), payout, outcome in steps:
            answer["next"] = outcome
            try:
                if kind == "retry":
                    if numbers:
                        till.retry(numbers[-1])
                    continue
                left = till.get_sale(r).refundable
                request = RefundRequest(
                    r, kind, payout=payout, reason="defective",
                    amount=max(1, left * arg // 100) if kind == "amount" else None,
                    items={ids[i % len(ids)]: q for i, q in (arg or {}).items()}
                    if kind == "items" else {})
                view = till.commit(request, "C001", BOSS if payout == "cash" else None)
                numbers.append(view.refund_no)
                event(f"{kind} {payout}: {till.process(view.refund_no).status}")
            except RefundRejected as exc:
                event(f"{kind} rejected: {exc.problems[0].code}")
            finally:
                check_invariants(engine, r, gateway)
        # The provider recovers: settle everything, then refund whatever is left.
        answer["next"] = "ok"
        till.sweep()
        for number in numbers:
            try:
                till.retry(number)
            except RefundRejected:
                pass
        if till.get_sale(r).refundable:
            till.process(till.commit(RefundRequest(r, "full", reason="defective"),
                                     "C001").refund_no)
        total, refunded, in_flight = check_invariants(engine, r, gateway)
        assert (refunded, in_flight) == (total, 0)
        engine.dispose()


@SETTINGS
@given(sale=sales(), data=st.data())
def test_refunding_every_unit_one_at_a_time_returns_exactly_what_was_paid(template, sale,
                                                                          data):
    lines, tenders = sale
    with tempfile.TemporaryDirectory() as workdir:
        engine = fresh_engine(template, workdir)
        gateway = SimulatedGateway()
        till = make_till(engine, gateway, policy=LENIENT)
        r = make_sale(engine, lines, tenders)
        units = [x.line_id for x in till.get_sale(r).lines for _ in range(x.qty)]
        order = data.draw(st.permutations(units))
        paid, carried = 0, defaultdict(int)
        for line_id in order:
            # A unit worth nothing (a line whose net is below one minor unit per unit) is
            # refused alone (amount_zero): as at the till, it goes with the next unit.
            carried[line_id] += 1
            request = RefundRequest(r, "items", items=dict(carried), reason="changed_mind")
            if till.quote(request).amount == 0:
                continue
            carried.clear()
            paid += till.process(till.commit(request, "C001").refund_no).amount
        sale_view = till.get_sale(r)
        assert paid == sale_view.total == sale_view.refunded
        assert all(x.refunded_amount == x.net for x in sale_view.lines)
        assert all(x.refunded_qty + carried[x.line_id] == x.qty for x in sale_view.lines)
        assert all(t.refunded == t.amount for t in sale_view.tenders)
        check_invariants(engine, r, gateway)
        engine.dispose()
