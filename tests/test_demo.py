"""Demo mode's database: seeded through the import path and the engine, reset in one copy."""

from __future__ import annotations

import pytest

from cashier_tui import demo
from cashier_tui.domain.views import RefundRequest


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return demo.template_path(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def session(template, tmp_path):
    s = demo.DemoSession(tmp_path, template, slow_seconds=0)
    yield s
    s.close()


def _refund_one_unit(till, receipt_no: str):
    sale = till.get_sale(receipt_no)
    line = next(line for line in sale.lines if line.refundable_qty)
    request = RefundRequest(receipt_no=receipt_no, kind="items", reason="changed_mind",
                            items={line.line_id: 1})
    refund = till.commit(request, "T1")
    return till.process(refund.refund_no)


def test_seeded_refunds_were_made_by_the_engine(session):
    data = session.data
    partial, full = (seed["receipt_no"] for seed in data.seed_refunds)
    assert session.till.get_sale(partial).refunded > 0
    assert not session.till.get_sale(partial).fully_refunded
    assert session.till.get_sale(full).fully_refunded
    journal = session.till.journal(data.clock.date())
    assert sorted(r.receipt_no for r in journal) == sorted([partial, full])
    assert all(r.training and r.status == "completed" for r in journal)


def test_accounts_from_the_data_sign_in(session):
    for account in session.data.accounts:
        who = session.till.sign_in(account["id"], account["pin"])
        assert who.role == account["role"]


def test_reset_restores_the_seed_and_numbers_repeat(session, template, tmp_path):
    first = _refund_one_unit(session.till, "1001")
    assert len(session.till.journal(session.data.clock.date())) == 3
    session.close()  # what a reset does: close, then a new session on a fresh copy
    session = demo.DemoSession(tmp_path, template, slow_seconds=0)
    assert len(session.till.journal(session.data.clock.date())) == 2
    assert session.till.get_sale("1001").refunded == 0
    again = _refund_one_unit(session.till, "1001")
    session.close()
    assert (again.refund_no, again.amount) == (first.refund_no, first.amount)
    assert [leg.idempotency_key for leg in again.legs] == \
        [leg.idempotency_key for leg in first.legs]


def test_template_is_reused_not_rebuilt(template, tmp_path_factory):
    stamp = template.stat().st_mtime_ns
    assert demo.template_path(template.parent) == template
    assert template.stat().st_mtime_ns == stamp
