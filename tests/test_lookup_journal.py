"""Scans, the sale search, refund codes, the journal, the shift report, printing and the
plain messages for a database that is busy or gone."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest
from sqlmodel import select

from cashier_tui.domain.errors import (
    NotAReceipt,
    RefundCodeMismatch,
    RefundNotFound,
    SaleNotFound,
    StoreUnavailable,
    TillError,
)
from cashier_tui.domain.views import RefundRequest, RefundView, SaleView
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.storage import db
from cashier_tui.storage.db import make_engine, read_tx
from cashier_tui.storage.models import AuditEvent
from tests.engine_fixtures import (  # noqa: F401 - fixtures
    NOW,
    L,
    T,
    clock_fixture,
    gateway_fixture,
    make_sale,
    make_till,
    till_fixture,
)


def full(receipt, **kw):
    return RefundRequest(receipt, "full", reason="defective", **kw)


@pytest.mark.parametrize("scan", ["S01-T02-20261120-0042", "  s01-t02-20261120-0042\t",
                                  "Ｓ０１－Ｔ０２－２０２６１１２０－００４２"])
def test_a_scan_is_trimmed_folded_and_upper_cased(engine, till, scan):
    make_sale(engine, [L(1, 1000)])
    view = till.lookup(scan)
    assert isinstance(view, SaleView) and view.receipt_no == "S01-T02-20261120-0042"


def test_sale_view_shows_local_time_age_and_caps(engine, till):
    make_sale(engine, [L(2, 1500, 100)], [T("card", 2900, card_last4="4321")],
              receipt_no="A1", sold_at=NOW - timedelta(days=3, hours=2))
    view = till.get_sale("A1")
    assert view.sold_at == NOW - timedelta(days=3, hours=2)
    assert view.sold_at.utcoffset() == timedelta(hours=8)
    assert (view.age_days, view.total, view.refundable) == (3, 2900, 2900)
    assert view.tenders[0].masked == "****4321"


@pytest.mark.parametrize("scan", ["", "   ", "S01/T02", "A" * 41, "小票"])
def test_what_is_not_a_receipt_number_says_so(till, scan):
    with pytest.raises(NotAReceipt):
        till.lookup(scan)


def test_an_unknown_receipt_points_to_find_a_sale(till):
    with pytest.raises(SaleNotFound) as err:
        till.lookup("S99-0001")
    assert err.value.message == ("No sale with receipt number S99-0001. Check the number or "
                                 "find the sale without its receipt (F3).")


def test_a_refund_number_scans_to_the_refund(engine, till):
    r = make_sale(engine, [L(1, 1000)])
    number = till.commit(full(r), "C001").refund_no
    view = till.lookup(number.lower())
    assert isinstance(view, RefundView) and view.refund_no == number
    assert (view.receipt_no, view.till, view.store) == (r, "T01", "S01")
    with pytest.raises(RefundNotFound):
        till.get_refund("R-T01-261120-9999")


def test_a_refund_qr_is_verified_and_must_match_the_refund(engine, tmp_path):
    from cashier_tui.qrpayload import InvalidRefundCode, RefundCodec

    codec = RefundCodec(b"s" * 32)
    till = make_till(engine, codec=codec)
    r = make_sale(engine, [L(1, 1000)])
    refund = till.commit(full(r), "C001")
    good = codec.encode(refund.refund_no, refund.amount, refund.currency)
    assert till.lookup(good).refund_no == refund.refund_no
    with pytest.raises(RefundCodeMismatch):
        till.lookup(codec.encode(refund.refund_no, refund.amount + 1, refund.currency))
    with pytest.raises(InvalidRefundCode):
        till.lookup(RefundCodec(b"x" * 32).encode(refund.refund_no, 1000, "CNY"))


def test_find_a_sale_by_date_amount_and_card_last4(engine, till):
    make_sale(engine, [L(1, 26700)], [T("card", 26700, card_last4="8837")], receipt_no="1018",
              sold_at=NOW - timedelta(days=3))
    make_sale(engine, [L(1, 26700)], [T("card", 26700, card_last4="8837")], receipt_no="1019",
              sold_at=NOW - timedelta(days=2))
    make_sale(engine, [L(1, 500)], [T("card", 500, card_last4="8837")], receipt_no="1020",
              sold_at=NOW - timedelta(days=1))
    make_sale(engine, [L(1, 26700)], [T("cash", 26700)], receipt_no="1021",
              sold_at=NOW - timedelta(days=2))

    def found(**kw):
        return [s.receipt_no for s in till.find_sales(**kw)]

    assert found(card_last4="8837") == ["1020", "1019", "1018"]
    assert found(card_last4="8837", date_from=date(2026, 11, 18),
                 date_to=date(2026, 11, 18)) == ["1019"]
    assert found(amount=26700) == ["1021", "1019", "1018"]  # same time: the later import
    assert found(amount=26700, limit=1) == ["1021"]
    with pytest.raises(TillError):
        till.find_sales(card_last4="12")


def test_journal_is_todays_refunds_newest_first(engine, till, clock):
    r = make_sale(engine, [L(5, 1000)], [T("card", 3000), T("cash", 2000)])
    line = till.get_sale(r).lines[0].line_id
    yesterday = till.commit(RefundRequest(r, "items", items={line: 1}, reason="defective"),
                            "C001")
    clock.advance(days=1)
    first = till.process(till.commit(RefundRequest(r, "items", items={line: 1},
                                                   reason="defective"), "C001").refund_no)
    clock.advance(minutes=5)
    second = till.commit(RefundRequest(r, "items", items={line: 1}, reason="defective"),
                         "C001")
    assert [v.refund_no for v in till.journal()] == [second.refund_no, first.refund_no]
    assert [v.refund_no for v in till.journal(NOW.date())] == [yesterday.refund_no]
    report = till.shift_report()
    assert (report.day, report.currency, report.count) == ("2026-11-21", "CNY", 2)
    # the second refund's card leg is not sent yet; its cash leg was paid at once
    assert dict(report.by_method) == {"card": 600, "cash": 400 + 400}
    assert (report.total, report.cash_paid_out, report.pending, report.failed) == (
        1400, 800, 1, 0)


def test_printing_is_recorded_and_a_failure_keeps_the_refund(engine, till):
    r = make_sale(engine, [L(1, 1000)])
    number = till.process(till.commit(full(r), "C001").refund_no).refund_no
    till.mark_printed(number, reprint=False, ok=False, detail="paper out")
    view = till.get_refund(number)
    assert (view.printed, view.print_count, view.status) == (False, 0, "completed")
    till.mark_printed(number, reprint=False, ok=True)
    till.mark_printed(number, reprint=True, ok=True, cashier_id="C001")
    view = till.get_refund(number)
    assert (view.printed, view.print_count) == (True, 2)
    with read_tx(engine) as session:
        events = [(e.kind, e.actor, json.loads(e.detail).get("detail"))
                  for e in session.exec(select(AuditEvent).where(AuditEvent.refund_no == number)
                                        .order_by(AuditEvent.id))]
    assert events[1:] == [("print_failed", None, "paper out"), ("print", None, ""),
                          ("reprint", "C001", "")]


def test_the_audit_log_refuses_changes(engine, till):
    r = make_sale(engine, [L(1, 1000)])
    till.commit(full(r), "C001")
    conn = sqlite3.connect(engine.url.database)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("UPDATE audit_event SET actor = 'X'")
    conn.close()


def test_a_database_locked_by_another_till_is_a_plain_message(engine, monkeypatch):
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_S", 0.05)
    busy = make_engine(engine.url.database)
    r = make_sale(engine, [L(1, 1000)])
    holder = sqlite3.connect(engine.url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another till is writing
    try:
        with pytest.raises(StoreUnavailable) as err:
            make_till(busy).commit(full(r), "C001")
        assert err.value.message == ("The database is busy (another till is writing). Try "
                                     "again in a moment.")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        busy.dispose()
    assert make_till(engine).get_sale(r).refundable == 1000  # nothing was changed


def test_an_unreachable_database_is_a_plain_message(tmp_path):
    (tmp_path / "gone.db").mkdir()  # not a database file: SQLite cannot open it
    till = make_till(make_engine(tmp_path / "gone.db"), SimulatedGateway())
    with pytest.raises(StoreUnavailable) as err:
        till.lookup("S01-0001")
    assert err.value.message.startswith("Cannot reach the database.")
