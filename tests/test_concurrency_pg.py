"""Tills sharing one PostgreSQL database: SELECT ... FOR UPDATE on the sale keeps the caps,
and the refund counter's upsert gives every refund of one till and day its own number."""

from __future__ import annotations

import threading

import pytest

from cashier_tui.clock import FixedClock
from cashier_tui.domain.errors import RefundRejected
from cashier_tui.domain.views import RefundRequest
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services.till import Till
from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade
from tests.engine_fixtures import NOW, L, T, make_sale, totals

pytestmark = pytest.mark.postgres


def test_twelve_tills_on_postgres_refund_ten_units_exactly_once(pg_server):
    url = pg_server.create_database("engine_concurrency")
    engine = make_engine(url)
    upgrade(engine)
    r = make_sale(engine, [L(10, 1000)], [T("card", 6000), T("cash", 4000)])
    gateway = SimulatedGateway()
    line = Till(engine, gateway, FixedClock(NOW)).get_sale(r).lines[0].line_id
    barrier = threading.Barrier(12)
    results: list[str] = []

    def till_thread():
        own = make_engine(url)
        till = Till(own, gateway, FixedClock(NOW), till_id="T01")  # one till id: one counter
        barrier.wait()
        try:
            view = till.commit(RefundRequest(r, "items", items={line: 1}, reason="defective"),
                               "C001")
            results.append(till.process(view.refund_no).refund_no)
        except RefundRejected as exc:
            results.append(exc.problems[0].code)
        finally:
            own.dispose()

    threads = [threading.Thread(target=till_thread) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    numbers = sorted(x for x in results if x.startswith("R-"))
    assert numbers == [f"R-T01-261120-{n:04d}" for n in range(1, 11)]
    assert len(results) == 12 and set(results) - set(numbers) <= {"nothing_left", "qty_over"}
    t = totals(engine, r)
    assert t["sale"] == (10000, 0) and t["tenders"] == [(6000, 0), (4000, 0)]
    assert t["lines"] == [(10, 0, 10000, 0)]
    assert gateway.refunded_total(t["references"][0]) == 6000
    engine.dispose()
