"""``export refunds``: every refund with its lines and legs, as JSON Lines or CSV.

JSON Lines holds one refund per line (DESIGN.md §3). CSV holds one row per leg with the
refund's columns repeated, and the lines squeezed into one column, for a spreadsheet.
Amounts are decimal strings (``money.plain``); times are ISO 8601 in UTC. Nothing here holds
a card number: a stored refund only knows a tender's method. The export is audited.

``store`` and ``till`` are where the refund was made (the exporting till's store, the till
in the refund number), ``sale_store`` and ``sale_till`` where the sale was: a sale of one
till (or store) is often refunded at another.
"""

from __future__ import annotations

import csv
import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, tzinfo
from typing import TextIO

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from .clock import Clock, SystemClock
from .money import plain
from .services import audit
from .services.sales import refund_till
from .storage.db import read_tx, write_tx
from .storage.models import Refund, RefundLeg, RefundLine, Sale, SaleLine, Tender

log = logging.getLogger("cashier_tui.export")

FORMATS = ("jsonl", "csv")
CHUNK = 500  # refunds per query of lines and legs
CSV_COLUMNS = (
    "refund_no", "receipt_no", "created_at", "store", "till", "sale_store", "sale_till",
    "cashier", "approver",
    "approval_rules", "reason", "reason_text", "note", "kind", "status", "amount", "currency",
    "method", "training", "lines", "leg_method", "leg_payout", "leg_action", "leg_amount",
    "leg_state", "idempotency_key", "gateway_ref",
)


def _utc(moment: datetime) -> str:
    """Stored times are UTC (SQLite hands them back without an offset)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat()


def _since(day: date, tz: tzinfo | None) -> datetime:
    """The start of ``day`` in the till's time zone, in UTC (how refunds are stored)."""
    zone = tz or datetime.now().astimezone().tzinfo
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _records(session: Session, since: datetime | None, store: str | None) -> Iterator[dict]:
    query = select(Refund, Sale.receipt_no, Sale.store, Sale.till).join(
        Sale, col(Sale.id) == col(Refund.sale_id))
    if since is not None:
        query = query.where(col(Refund.created_at) >= since)
    query = query.order_by(col(Refund.created_at), col(Refund.id))
    for chunk in session.execute(query.execution_options(yield_per=CHUNK)).partitions():
        ids = [row[0].id for row in chunk]
        lines: dict[int, list[dict]] = defaultdict(list)
        legs: dict[int, list[dict]] = defaultdict(list)
        for rid, sku, name, qty, amount, restock in session.execute(
                select(RefundLine.refund_id, SaleLine.sku, SaleLine.name, RefundLine.qty,
                       RefundLine.amount, RefundLine.restock)
                .join(SaleLine, col(SaleLine.id) == col(RefundLine.sale_line_id))
                .where(col(RefundLine.refund_id).in_(ids)).order_by(col(RefundLine.id))):
            lines[rid].append({"sku": sku, "name": name, "qty": qty, "amount": amount,
                               "restock": restock})
        for leg, method in session.execute(
                select(RefundLeg, Tender.method)
                .join(Tender, col(Tender.id) == col(RefundLeg.tender_id))
                .where(col(RefundLeg.refund_id).in_(ids)).order_by(col(RefundLeg.id))):
            legs[leg.refund_id].append({
                "method": method, "payout": leg.payout, "action": leg.action,
                "amount": leg.amount, "state": leg.state,
                "idempotency_key": leg.idempotency_key, "gateway_ref": leg.gateway_ref,
            })
        for refund, receipt_no, sale_store, sale_till in chunk:
            yield _record(refund, receipt_no, (store or sale_store, refund_till(refund.refund_no)),
                          (sale_store, sale_till), lines[refund.id], legs[refund.id])


def _record(r: Refund, receipt_no: str, where: tuple[str, str], sold: tuple[str, str],
            lines: list[dict], legs: list[dict]) -> dict:
    money = r.currency
    return {
        "refund_no": r.refund_no, "receipt_no": receipt_no, "created_at": _utc(r.created_at),
        "store": where[0], "till": where[1], "sale_store": sold[0], "sale_till": sold[1],
        "cashier": r.cashier, "approver": r.approver,
        "approval_rules": r.approval_rules.split(",") if r.approval_rules else [],
        "reason": r.reason, "reason_text": r.reason_text, "note": r.note, "kind": r.kind,
        "status": r.status, "amount": plain(r.amount, money), "currency": money,
        "method": r.payout, "training": r.training,
        "lines": [{**line, "amount": plain(line["amount"], money)} for line in lines],
        "legs": [{**leg, "amount": plain(leg["amount"], money)} for leg in legs],
    }


def _cell(value: object) -> object:
    """Free text that a spreadsheet would take for a formula is quoted with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_rows(record: dict) -> Iterator[dict]:
    head = {k: record[k] for k in CSV_COLUMNS if k in record}
    head["approval_rules"] = ",".join(record["approval_rules"])
    head["lines"] = "; ".join(f"{x['sku']} x{x['qty']} = {x['amount']}" for x in record["lines"])
    for key in ("reason_text", "note", "lines"):
        head[key] = _cell(head[key])
    head["training"] = "yes" if record["training"] else "no"
    for leg in record["legs"] or [{}]:
        yield {**head, **{f"leg_{k}": leg.get(k) for k in ("method", "payout", "action",
                                                           "amount", "state")},
               "idempotency_key": leg.get("idempotency_key"),
               "gateway_ref": leg.get("gateway_ref")}


def export_refunds(engine: Engine, out: TextIO, fmt: str = "jsonl", since: date | None = None,
                   *, actor: str | None = None, clock: Clock | None = None,
                   tz: tzinfo | None = None, store: str | None = None) -> int:
    """Write the refunds created on or after ``since`` (the till's local day; None: all) to
    ``out``, oldest first; record an ``export`` audit event; return how many were written.
    ``store``: the store of the till exporting, where its refunds were made (None: the
    sale's)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use jsonl or csv")
    start = _since(since, tz) if since is not None else None
    count = 0
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS) if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    with read_tx(engine) as session:
        for record in _records(session, start, store):
            if writer is None:
                out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            else:
                writer.writerows(_csv_rows(record))
            count += 1
    out.flush()
    now = (clock or SystemClock()).now()
    with write_tx(engine) as session:
        audit.record(session, "export", actor, now, format=fmt, count=count,
                     since=since.isoformat() if since else None)
    log.info("exported %d refund(s) as %s since %s", count, fmt, since or "the start")
    return count
