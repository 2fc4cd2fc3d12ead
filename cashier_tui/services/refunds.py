"""Quote and commit a refund (DESIGN.md §5, §6).

``quote`` runs :func:`rules.build_quote` on a read snapshot. ``commit`` writes the refund
before any gateway call, in one short write transaction that takes the lock (``BEGIN
IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on the sale on PostgreSQL), re-reads the
sale, re-runs the same rules on the fresh rows and only then writes refund, lines, legs (in
flight; cash legs succeed at once), the refund number and the audit events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from ..clock import Clock
from ..domain.errors import ApprovalRequired, RefundRejected
from ..domain.policy import Policy
from ..domain.views import Approval, Quote, RefundRequest, RefundView
from ..storage.db import lock_sale, read_tx, write_tx
from ..storage.models import (
    Refund,
    RefundCounter,
    RefundLeg,
    RefundLine,
    Sale,
    SaleLine,
    Tender,
)
from . import audit, people, sales
from .common import to_utc
from .legs import lines_state, move_lines, refund_status
from .rules import build_quote

log = logging.getLogger("cashier_tui.refunds")

__all__ = ["build_quote", "commit", "next_refund_no", "quote"]


def quote(engine: Engine, request: RefundRequest, now: datetime, policy: Policy) -> Quote:
    """What ``request`` would refund, or its problems. Writes nothing."""
    with read_tx(engine) as session:
        sale = sales.get_sale(session, request.receipt_no, now, policy)
    return build_quote(sale, request, policy)


def next_refund_no(session: Session, till_id: str, now: datetime) -> str:
    """``R-{till}-{yymmdd}-{nnnn}``: the till's counter for its local day, taken atomically
    in the caller's transaction (an upsert, so two tills on PostgreSQL cannot collide)."""
    day = f"{now:%y%m%d}"
    scope = f"{till_id}-{day}"
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(RefundCounter).values(scope=scope, last=1)
            .on_conflict_do_update(index_elements=["scope"],
                                   set_={"last": RefundCounter.last + 1})
            .returning(RefundCounter.last))
    number = session.execute(stmt).scalar_one()
    return f"R-{till_id}-{day}-{number:04d}"


def commit(engine: Engine, request: RefundRequest, cashier_id: str,
           approval: Approval | None, *, clock: Clock, policy: Policy, till_id: str,
           store: str, training: bool, new_key: Callable[[], str]) -> RefundView:
    """Write the refund atomically; raises RefundRejected, ApprovalRequired, AuthError."""
    receipt_no = sales.check_receipt_no(request.receipt_no)
    # A manager's PIN is checked in a transaction of its own, before the refund's: a wrong
    # PIN must stay counted although the refund is then never written.
    approver = (people.verify_manager(engine, approval, clock, policy).cashier_id
                if approval is not None else None)
    now = clock.now()
    with write_tx(engine) as session:
        found = session.exec(select(Sale.id).where(Sale.receipt_no == receipt_no)).first()
        if found is None:
            sales.get_sale(session, receipt_no, now, policy)  # raises SaleNotFound
        sale = lock_sale(session, found)
        lines = {x.id: x for x in session.exec(
            select(SaleLine).where(SaleLine.sale_id == sale.id))}
        tenders = {x.id: x for x in session.exec(select(Tender).where(Tender.sale_id == sale.id))}
        # The rules, re-run on the rows read under the lock: the caps are checked atomically.
        q = build_quote(sales.build_sale_view(sale, lines.values(), tenders.values(), now,
                                              policy), request, policy)
        if q.problems:
            raise RefundRejected(q.problems)
        if q.approvals and approver is None:
            raise ApprovalRequired(q.approvals)
        refund, rlines, legs = _write(
            session, sale, lines, tenders, q, request, cashier_id,
            approver if q.approvals else None, now, till_id, training, new_key)
        result = sales.make_refund_view(refund, sale.receipt_no, rlines, legs, lines, {
            i: sales.tender_view(t) for i, t in tenders.items()}, store)
    log.info("refund %s committed: %s %s %s by %s (%s leg(s), status %s)", result.refund_no,
             q.amount, q.currency, request.payout, cashier_id, len(q.legs), result.status)
    return result


def _write(session: Session, sale: Sale, lines: dict[int, SaleLine], tenders: dict[int, Tender],
           q: Quote, request: RefundRequest, cashier_id: str, approver: str | None,
           now: datetime, till_id: str, training: bool, new_key: Callable[[], str],
           ) -> tuple[Refund, list[RefundLine], list[RefundLeg]]:
    """Refund, lines and legs, the caps they hold, the number and the audit events."""
    refund_no = next_refund_no(session, till_id, now)
    refund = Refund(
        refund_no=refund_no, sale_id=sale.id, kind=request.kind, payout=request.payout,
        amount=q.amount, currency=q.currency, reason=request.reason,
        reason_text=(request.reason_text or "").strip() or None,
        note=(request.note or "").strip() or None, cashier=cashier_id, approver=approver,
        approval_rules=",".join(q.approvals) or None, status="pending",
        created_at=to_utc(now), training=training)
    session.add(refund)
    session.flush()
    rlines = []
    for ql in q.lines:
        row = lines[ql.line_id]
        row.in_flight_qty += ql.qty
        row.in_flight_amount += ql.amount
        rlines.append(RefundLine(refund_id=refund.id, sale_line_id=ql.line_id, qty=ql.qty,
                                 amount=ql.amount,
                                 restock=bool(request.restock.get(ql.line_id, True))))
    legs = []
    for leg in q.legs:
        tender = tenders[leg.tender_id]
        if leg.action == "cash":  # paid from the drawer now: refunded in this transaction
            tender.refunded += leg.amount
            sale.refunded += leg.amount
        else:
            tender.in_flight += leg.amount
            sale.in_flight += leg.amount
        legs.append(RefundLeg(
            refund_id=refund.id, tender_id=leg.tender_id, payout=leg.payout, action=leg.action,
            amount=leg.amount, state="succeeded" if leg.action == "cash" else "pending",
            idempotency_key=new_key(), updated_at=to_utc(now)))
    session.add_all([*lines.values(), *tenders.values(), sale, *rlines, *legs])
    states = [x.state for x in legs]
    move_lines(session, refund, "in_flight", lines_state(states))
    refund.status = refund_status(states)
    audit.record(session, "refund", cashier_id, now, refund_no, receipt_no=sale.receipt_no,
                 refund_kind=request.kind, payout=request.payout, amount=q.amount,
                 currency=q.currency, reason=request.reason, training=training,
                 legs=[[x.payout, x.action, x.amount] for x in q.legs])
    if approver is not None:
        audit.record(session, "approval", approver, now, refund_no, cashier=cashier_id,
                     rules=list(q.approvals))
    session.flush()
    return refund, rlines, legs
