"""export refunds: JSON Lines (one refund per line) and CSV (one row per leg), audited."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from cashier_tui.clock import FixedClock
from cashier_tui.export import export_refunds
from cashier_tui.importer import import_sales
from cashier_tui.storage.db import read_tx, write_tx
from cashier_tui.storage.models import (
    AuditEvent,
    Refund,
    RefundLeg,
    RefundLine,
    Sale,
    SaleLine,
    Tender,
)
from tests.import_fixtures import sale, write_jsonl

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _refund(session, sale_row, no, created, *, legs, lines=(), status="completed", **kw):
    amount = sum(a for _, _, a, _ in legs)
    refund = Refund(refund_no=no, sale_id=sale_row.id, kind=kw.get("kind", "items"),
                    payout=kw.get("payout", "original"), amount=amount, currency="CNY",
                    reason=kw.get("reason", "defective"), reason_text=kw.get("reason_text"),
                    note=kw.get("note"), cashier="C007", approver=kw.get("approver"),
                    approval_rules=kw.get("rules"), status=status, created_at=created)
    session.add(refund)
    session.flush()
    for line_id, qty, amount_ in lines:
        session.add(RefundLine(refund_id=refund.id, sale_line_id=line_id, qty=qty,
                               amount=amount_))
    for tender_id, payout, amount_, state in legs:
        session.add(RefundLeg(refund_id=refund.id, tender_id=tender_id, payout=payout,
                              action="refund" if payout != "cash" else "cash", amount=amount_,
                              state=state, idempotency_key=f"{no}-{tender_id}",
                              updated_at=created))


@pytest.fixture
def refunds(engine, tmp_path):
    import_sales(engine, write_jsonl(tmp_path / "s.jsonl", [sale(1)]))
    with write_tx(engine) as s:
        row = s.exec(select(Sale)).one()
        line = s.exec(select(SaleLine)).one()
        card, cash = s.exec(select(Tender).order_by(Tender.seq)).all()
        _refund(s, row, "R-S01-T01-0001", NOW - timedelta(days=3),
                legs=[(card.id, "card", 3000, "succeeded"), (cash.id, "cash", 2400, "succeeded")],
                lines=[(line.id, 1, 5400)])
        _refund(s, row, "R-S01-T01-0002", NOW, legs=[(card.id, "cash", 1000, "succeeded")],
                kind="amount", payout="cash", reason="other", reason_text="=HYPERLINK(1)",
                approver="M001", rules="cash_for_non_cash", status="completed")
    return engine


def test_jsonl_has_every_field(refunds):
    out = io.StringIO()
    assert export_refunds(refunds, out, "jsonl", clock=FixedClock(NOW)) == 2
    first, second = (json.loads(x) for x in out.getvalue().splitlines())
    assert first["refund_no"] == "R-S01-T01-0001"
    assert first["receipt_no"] == "S01-T02-20261120-0001"
    assert first["created_at"] == "2026-11-19T10:00:00+00:00"
    assert (first["cashier"], first["approver"], first["reason"], first["status"]) == (
        "C007", None, "defective", "completed")
    assert (first["amount"], first["currency"], first["method"]) == ("54.00", "CNY", "original")
    assert first["lines"] == [{"sku": "6901234567892", "name": "保温杯 500ml", "qty": 1,
                               "amount": "54.00", "restock": True}]
    assert [(g["method"], g["payout"], g["amount"], g["state"], g["idempotency_key"])
            for g in first["legs"]] == [
        ("card", "card", "30.00", "succeeded", "R-S01-T01-0001-1"),
        ("cash", "cash", "24.00", "succeeded", "R-S01-T01-0001-2")]
    assert (second["approver"], second["approval_rules"], second["method"]) == (
        "M001", ["cash_for_non_cash"], "cash")


def test_csv_one_row_per_leg(refunds):
    out = io.StringIO()
    export_refunds(refunds, out, "csv", clock=FixedClock(NOW))
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["refund_no"], r["leg_method"], r["leg_amount"]) for r in rows] == [
        ("R-S01-T01-0001", "card", "30.00"), ("R-S01-T01-0001", "cash", "24.00"),
        ("R-S01-T01-0002", "card", "10.00")]
    assert rows[0]["amount"] == rows[1]["amount"] == "54.00"
    assert rows[0]["lines"] == "6901234567892 x1 = 54.00"
    assert rows[2]["reason_text"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet


def test_since_a_day(refunds):
    out = io.StringIO()
    assert export_refunds(refunds, out, since=date(2026, 11, 21), tz=UTC) == 1
    assert json.loads(out.getvalue())["refund_no"] == "R-S01-T01-0002"


def test_export_is_audited(refunds):
    export_refunds(refunds, io.StringIO(), "csv", actor="M001", clock=FixedClock(NOW))
    with read_tx(refunds) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.kind == "export")).one()
        assert event.actor == "M001"
        assert json.loads(event.detail) == {"count": 2, "format": "csv", "since": None}


def test_nothing_to_export(engine):
    out = io.StringIO()
    assert export_refunds(engine, out, "csv") == 0
    assert out.getvalue().startswith("refund_no,receipt_no,created_at")


def test_unknown_format(engine):
    with pytest.raises(ValueError, match="jsonl or csv"):
        export_refunds(engine, io.StringIO(), "xml")


def test_where_the_refund_was_made_and_where_the_sale_was(engine, tmp_path):
    """A sale of S01/T02 refunded at till T05 of store S02: both are exported (issue 16.10);
    store/till were the sale's before."""
    import_sales(engine, write_jsonl(tmp_path / "s.jsonl", [sale(1)]))
    with write_tx(engine) as s:
        row = s.exec(select(Sale)).one()
        card = s.exec(select(Tender).order_by(Tender.seq)).first()
        _refund(s, row, "R-T05-261122-0001", NOW, legs=[(card.id, "card", 1000, "succeeded")],
                kind="amount")
    assert (row.store, row.till) == ("S01", "T02")
    out = io.StringIO()
    export_refunds(engine, out, "jsonl", store="S02", clock=FixedClock(NOW))
    record = json.loads(out.getvalue())
    assert (record["store"], record["till"], record["sale_store"], record["sale_till"]) == (
        "S02", "T05", "S01", "T02")
    out = io.StringIO()
    export_refunds(engine, out, "csv", store="S02", clock=FixedClock(NOW))
    first = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert (first["store"], first["till"], first["sale_store"], first["sale_till"]) == (
        "S02", "T05", "S01", "T02")
