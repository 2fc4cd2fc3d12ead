"""Several tills (threads, each with its own engine) refunding one sale in one SQLite FILE
never take it over its caps: BEGIN IMMEDIATE makes the read-check-write of each commit atomic.
"""

from __future__ import annotations

import threading
from collections import Counter

from cashier_tui.clock import FixedClock
from cashier_tui.domain.errors import RefundRejected
from cashier_tui.domain.views import RefundRequest
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services.till import Till
from cashier_tui.storage.db import make_engine
from tests.engine_fixtures import NOW, L, T, make_sale, make_till, seat, totals


def run_tills(path, n, work):
    """Run ``work(till, i)`` on ``n`` tills at once (cashier ``C{i}`` at till ``i``);
    returns results and errors by index."""
    barrier = threading.Barrier(n)
    results: dict[int, object] = {}
    engines = [make_engine(path) for _ in range(n)]
    seat(engines[0], *(f"C{i}" for i in range(n)))
    gateway = SimulatedGateway()

    def body(i):
        till = Till(engine=engines[i], gateway=gateway, clock=FixedClock(NOW), till_id=f"T{i:02d}")
        barrier.wait()
        try:
            results[i] = work(till, i)
        except Exception as exc:  # collected and asserted on below
            results[i] = exc

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for engine in engines:
        engine.dispose()
    return [results[i] for i in range(n)], gateway


def outcome(result) -> str:
    if isinstance(result, RefundRejected):
        return result.problems[0].code
    return type(result).__name__


def test_tills_each_refunding_600_of_1000_only_one_wins(engine):
    r = make_sale(engine, [L(1, 1000)], [T("card", 1000)])

    def work(till, i):
        view = till.commit(RefundRequest(r, "amount", amount=600, reason="defective"),
                           f"C{i}")
        return till.process(view.refund_no)

    results, gateway = run_tills(engine.url.database, 4, work)
    assert Counter(outcome(x) for x in results) == Counter({"RefundView": 1, "amount_over": 3})
    t = totals(engine, r)
    assert t["sale"] == (600, 0) and t["tenders"] == [(600, 0)]
    assert gateway.refunded_total(t["references"][0]) == 600


def test_many_tills_refunding_units_never_exceed_the_line(engine):
    r = make_sale(engine, [L(10, 999, discount=5)], [T("card", 5000), T("cash", 4985)])
    line_id = make_till_line(engine, r)
    path = engine.url.database

    def work(till, i):
        view = till.commit(RefundRequest(r, "items", items={line_id: 1}, reason="defective"),
                           f"C{i}")
        return till.process(view.refund_no)

    results, gateway = run_tills(path, 14, work)
    counts = Counter(outcome(x) for x in results)
    assert counts["RefundView"] == 10, counts
    assert set(counts) - {"RefundView"} <= {"qty_over", "nothing_left"}, counts
    assert {x.status for x in results if not isinstance(x, Exception)} == {"completed"}
    assert sum(x.amount for x in results if not isinstance(x, Exception)) == 9985
    t = totals(engine, r)
    assert t["sale"] == (9985, 0)
    assert t["tenders"] == [(5000, 0), (4985, 0)]
    assert t["lines"] == [(10, 0, 9985, 0)]
    assert gateway.refunded_total(t["references"][0]) == 5000
    numbers = [x.refund_no for x in results if not isinstance(x, Exception)]
    assert len(set(numbers)) == 10


def test_full_and_amount_refunds_racing_stay_within_the_sale(engine):
    r = make_sale(engine, [L(3, 3400, discount=200)], [T("wechat", 7000), T("cash", 3000)])
    path = engine.url.database

    def work(till, i):
        request = (RefundRequest(r, "full", reason="defective") if i % 2 else
                   RefundRequest(r, "amount", amount=3000, reason="price_adjustment"))
        return till.process(till.commit(request, f"C{i}").refund_no)

    results, gateway = run_tills(path, 8, work)
    assert all(isinstance(x, RefundRejected) or x.status == "completed" for x in results)
    refunded = sum(x.amount for x in results if not isinstance(x, Exception))
    assert refunded == 10000
    t = totals(engine, r)
    assert t["sale"] == (10000, 0) and t["tenders"] == [(7000, 0), (3000, 0)]
    assert gateway.refunded_total(t["references"][0]) == 7000


def make_till_line(engine, receipt):
    return make_till(engine).get_sale(receipt).lines[0].line_id
