"""The till id goes into every refund number, which is scanned back upper-cased and must fit
its column: a till id that cannot do both is refused when the till is made, a lower-case one
is upper-cased.

Before: a till configured as ``till-3`` committed refunds (caps reserved) numbered
``R-till-3-...`` that no look-up, process, retry or sweep could find again (the number is
upper-cased first), so their money stayed in flight and every sweep stopped on them; the QR
codec refused the number too. On PostgreSQL a till id of 19 or more characters made every
commit fail (refund_no is VARCHAR(32)).
"""

from __future__ import annotations

import pytest

from cashier_tui.clock import FixedClock
from cashier_tui.domain.views import RefundRequest
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.qrpayload import RefundCodec
from cashier_tui.services.till import Till
from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade
from tests.engine_fixtures import NOW, L, T, make_sale, totals


def refund_and_find(engine, till_id: str) -> Till:
    r = make_sale(engine, [L(2, 1500)], [T("card", 3000)])
    till = Till(engine, SimulatedGateway(), FixedClock(NOW), till_id=till_id,
                codec=RefundCodec(b"k" * 32))
    view = till.commit(RefundRequest(r, "full", reason="defective"), "C001")
    assert till.lookup(view.refund_no.lower()) == view  # a scan finds it
    assert till.lookup(till.codec.encode(view.refund_no, view.amount, view.currency)) == view
    assert till.process(view.refund_no).status == "completed"
    assert till.sweep() == [] and totals(engine, r)["sale"] == (3000, 0)
    return till


def test_a_lower_case_till_id_is_upper_cased_and_its_refunds_are_found(engine):
    till = refund_and_find(engine, " till-3 ")
    assert till.till_id == "TILL-3"
    assert till.journal()[0].refund_no == "R-TILL-3-261120-0001"


@pytest.mark.parametrize("bad", ["", "T_01", "T 01", "-T01", "T01-", "收银台1", "T" * 19])
def test_a_till_id_that_cannot_make_refund_numbers_is_refused(engine, bad):
    with pytest.raises(ValueError, match="till id"):
        Till(engine, SimulatedGateway(), FixedClock(NOW), till_id=bad)


@pytest.mark.postgres
def test_the_longest_till_id_fits_refund_numbers_on_postgres(pg_server):
    engine = make_engine(pg_server.create_database("integrity_till_id"))
    upgrade(engine)
    till = refund_and_find(engine, "T" * 18)
    assert len(till.journal()[0].refund_no) == 32
    engine.dispose()
