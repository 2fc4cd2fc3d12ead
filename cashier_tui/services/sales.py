"""Reading sales and refunds: scans, look-ups, the sale search, and the views built from rows.

Everything here only reads; callers pass a session (a read transaction, or the write
transaction of a commit, which re-reads the rows under the lock).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Row, bindparam
from sqlmodel import Session, col, select

from ..domain.codes import check_receipt_no, normalise_scan
from ..domain.errors import (
    RefundCodeMismatch,
    RefundNotFound,
    SaleNotFound,
    TillError,
)
from ..domain.policy import Policy
from ..domain.views import (
    LegView,
    LineView,
    RefundLineView,
    RefundView,
    SaleView,
    TenderView,
)
from ..money import parse_amount
from ..storage.models import Refund, RefundLeg, RefundLine, Sale, SaleLine, Tender
from .common import from_db, local_day

if TYPE_CHECKING:  # the commit's raw transaction, read through like a Connection
    from ..storage.prepared import RawTx

_LAST4_RE = re.compile(r"^[0-9]{4}$")


# --- views ------------------------------------------------------------------------------

_sale, _line, _tender = Sale.__table__, SaleLine.__table__, Tender.__table__
# The columns of a SaleView, and of LineView / TenderView in their field order: rows are read
# with Core (no ORM objects) and a view is made from a row by position, which is what makes
# a scan cheap (DESIGN.md §10: scan to sale screen under 50 ms with a million sales).
SALE_COLUMNS = tuple(_sale.c[name] for name in (
    "id", "receipt_no", "sold_at", "utc_offset_min", "store", "till", "cashier", "currency",
    "status", "total", "refunded", "in_flight"))
LINE_COLUMNS = tuple(_line.c[name] for name in (
    "id", "line_no", "sku", "name", "qty", "unit_price", "discount", "net", "refunded_qty",
    "in_flight_qty", "refunded_amount", "in_flight_amount"))
TENDER_COLUMNS = tuple(_tender.c[name] for name in (
    "id", "seq", "method", "amount", "refunded", "in_flight", "settled", "reference",
    "card_last4"))
_SALE_BY_RECEIPT = select(*SALE_COLUMNS).where(_sale.c.receipt_no == bindparam("receipt_no"))
_LINES_OF = (select(*LINE_COLUMNS).where(_line.c.sale_id == bindparam("sale_id"))
             .order_by(_line.c.line_no))
_TENDERS_OF = (select(*TENDER_COLUMNS).where(_tender.c.sale_id == bindparam("sale_id"))
               .order_by(_tender.c.seq))
_LINES_OF_MANY = (select(_line.c.sale_id, *LINE_COLUMNS)
                  .where(_line.c.sale_id.in_(bindparam("sale_ids", expanding=True)))
                  .order_by(_line.c.sale_id, _line.c.line_no))
_TENDERS_OF_MANY = (select(_tender.c.sale_id, *TENDER_COLUMNS)
                    .where(_tender.c.sale_id.in_(bindparam("sale_ids", expanding=True)))
                    .order_by(_tender.c.sale_id, _tender.c.seq))


def line_view(row: SaleLine) -> LineView:
    return LineView(
        line_id=row.id, line_no=row.line_no, sku=row.sku, name=row.name, qty=row.qty,
        unit_price=row.unit_price, discount=row.discount, net=row.net,
        refunded_qty=row.refunded_qty, in_flight_qty=row.in_flight_qty,
        refunded_amount=row.refunded_amount, in_flight_amount=row.in_flight_amount,
    )


def tender_view(row: Tender) -> TenderView:
    return TenderView(
        tender_id=row.id, seq=row.seq, method=row.method, amount=row.amount,
        refunded=row.refunded, in_flight=row.in_flight, settled=row.settled,
        reference=row.reference, card_last4=row.card_last4,
    )


def age_days(sold_at: datetime, now: datetime) -> int:
    """Whole days from ``sold_at`` to ``now`` (0 for a sale dated in the future)."""
    return max(0, (now - sold_at) // _DAY)


_DAY = timedelta(days=1)


@functools.cache
def _zone(offset_min: int) -> timezone:
    return timezone(timedelta(minutes=offset_min))


def sale_view(sale: Row | tuple, lines: Sequence[LineView], tenders: Sequence[TenderView],
              now: datetime, policy: Policy) -> SaleView:
    """The view of a sale row (:data:`SALE_COLUMNS`), its lines in line order and its
    tenders in tender order."""
    (sale_id, receipt_no, sold_at, offset, store, till, cashier, currency, status, total,
     refunded, in_flight) = sale
    sold_at = from_db(sold_at).astimezone(_zone(offset))
    return SaleView(sale_id, receipt_no, sold_at, store, till, cashier, currency, status,
                    total, refunded, in_flight, tuple(lines), tuple(tenders),
                    age_days(sold_at, now), policy.window_days)


def read_sale(conn: Connection | RawTx, sale: Row | tuple, now: datetime,
              policy: Policy) -> SaleView:
    """A sale row's view with its lines and tenders (two indexed queries), read through
    SQLAlchemy or, in the refund commit, through the prepared statements of a ``RawTx``."""
    lines = [LineView(*r) for r in conn.execute(_LINES_OF, {"sale_id": sale[0]})]
    tenders = [TenderView(*r) for r in conn.execute(_TENDERS_OF, {"sale_id": sale[0]})]
    return sale_view(sale, lines, tenders, now, policy)


def sale_views(session: Session, sales: Sequence[Row], now: datetime,
               policy: Policy) -> list[SaleView]:
    """Views of ``sales`` (rows of :data:`SALE_COLUMNS`) with their lines and tenders,
    loaded in two queries."""
    ids = [s[0] for s in sales]
    if not ids:
        return []
    conn = session.connection()
    lines: dict[int, list[LineView]] = {i: [] for i in ids}
    tenders: dict[int, list[TenderView]] = {i: [] for i in ids}
    for row in conn.execute(_LINES_OF_MANY, {"sale_ids": ids}):
        lines[row[0]].append(LineView(*row[1:]))
    for row in conn.execute(_TENDERS_OF_MANY, {"sale_ids": ids}):
        tenders[row[0]].append(TenderView(*row[1:]))
    return [sale_view(s, lines[s[0]], tenders[s[0]], now, policy) for s in sales]


def refund_till(refund_no: str) -> str:
    """The till a refund was made at, from its number ``R-{till}-{yymmdd}-{nnnn}``."""
    parts = refund_no[2:].rsplit("-", 2)
    return parts[0] if refund_no.startswith("R-") and len(parts) == 3 else ""


def refund_views(session: Session, refunds: Sequence[Refund], store: str) -> list[RefundView]:
    """Views of ``refunds`` with their lines, legs and sales, in a few queries."""
    ids = [r.id for r in refunds]
    if not ids:
        return []
    sales = {s.id: s for s in session.exec(
        select(Sale).where(col(Sale.id).in_({r.sale_id for r in refunds})))}
    rlines: dict[int, list[RefundLine]] = {i: [] for i in ids}
    legs: dict[int, list[RefundLeg]] = {i: [] for i in ids}
    for rl in session.exec(select(RefundLine).where(col(RefundLine.refund_id).in_(ids))
                           .order_by(col(RefundLine.id))):
        rlines[rl.refund_id].append(rl)
    for leg in session.exec(select(RefundLeg).where(col(RefundLeg.refund_id).in_(ids))
                            .order_by(col(RefundLeg.id))):
        legs[leg.refund_id].append(leg)
    line_ids = {rl.sale_line_id for group in rlines.values() for rl in group}
    tender_ids = {leg.tender_id for group in legs.values() for leg in group}
    slines = {x.id: x for x in session.exec(
        select(SaleLine).where(col(SaleLine.id).in_(line_ids)))} if line_ids else {}
    tenders = {t.id: tender_view(t) for t in session.exec(
        select(Tender).where(col(Tender.id).in_(tender_ids)))} if tender_ids else {}
    return [make_refund_view(r, sales[r.sale_id].receipt_no, rlines[r.id], legs[r.id],
                             slines, tenders, store) for r in refunds]


def make_refund_view(r: Refund, receipt_no: str, rlines: Iterable[RefundLine],
                     legs: Iterable[RefundLeg], slines: Mapping[int, SaleLine | LineView],
                     tenders: Mapping[int, TenderView], store: str) -> RefundView:
    """A refund's view from rows already in hand (the commit builds it without a query)."""
    return RefundView(
        refund_no=r.refund_no, receipt_no=receipt_no, created_at=from_db(r.created_at),
        kind=r.kind, payout=r.payout, amount=r.amount, currency=r.currency, reason=r.reason,
        reason_text=r.reason_text, note=r.note, cashier=r.cashier, approver=r.approver,
        approval_rules=tuple(x for x in (r.approval_rules or "").split(",") if x),
        status=r.status,
        lines=tuple(RefundLineView(
            line_id=rl.sale_line_id, sku=slines[rl.sale_line_id].sku,
            name=slines[rl.sale_line_id].name, qty=rl.qty, amount=rl.amount,
            restock=rl.restock) for rl in rlines),
        legs=tuple(LegView(
            leg_id=leg.id, tender_id=leg.tender_id, method=tenders[leg.tender_id].method,
            payout=leg.payout, action=leg.action, amount=leg.amount, state=leg.state,
            idempotency_key=leg.idempotency_key, attempts=leg.attempts,
            masked=tenders[leg.tender_id].masked, error=leg.error) for leg in legs),
        training=r.training, printed=r.printed, print_count=r.print_count,
        store=store, till=refund_till(r.refund_no),
    )


# --- look-ups ---------------------------------------------------------------------------

def sale_by_receipt(session: Session, receipt_no: str) -> Row | None:
    """The sale's row (:data:`SALE_COLUMNS`), or None."""
    return session.connection().execute(_SALE_BY_RECEIPT, {"receipt_no": receipt_no}).first()


def refund_by_no(session: Session, refund_no: str) -> Refund | None:
    return session.exec(select(Refund).where(Refund.refund_no == refund_no)).first()


def refund_by_request_key(session: Session, request_key: str, store: str) -> RefundView | None:
    refund = session.exec(select(Refund).where(Refund.request_key == request_key)).first()
    return refund_views(session, [refund], store)[0] if refund is not None else None


def sale_not_found(receipt_no: str) -> SaleNotFound:
    return SaleNotFound(f"No sale with receipt number {receipt_no}. Check the number or find "
                        "the sale without its receipt (F3).", receipt_no=receipt_no)


def get_sale(session: Session, receipt_no: str, now: datetime, policy: Policy) -> SaleView:
    code = check_receipt_no(receipt_no)
    sale = sale_by_receipt(session, code)
    if sale is None:
        raise sale_not_found(code)
    return read_sale(session.connection(), sale, now, policy)


def get_refund(session: Session, refund_no: str, store: str) -> RefundView:
    code = normalise_scan(refund_no)
    refund = refund_by_no(session, code)
    if refund is None:
        raise RefundNotFound(f"No refund with number {code}.", refund_no=code)
    return refund_views(session, [refund], store)[0]


def _minor(value: object, currency: str) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        if isinstance(value, Decimal):
            value = format(value, "f")
        return parse_amount(str(value), currency, allow_zero=True)
    except ValueError:
        return None


def lookup(session: Session, code: str, now: datetime, policy: Policy, store: str,
           codec: object | None = None) -> SaleView | RefundView:
    """A scan: a refund QR, a receipt number or a refund number, in that order."""
    if codec is not None and codec.looks_like(code):  # the codec normalises the scan
        claim = codec.decode(code)  # raises InvalidRefundCode for a forged or altered code
        view = get_refund(session, claim.refund_no, store)
        if claim.currency != view.currency or _minor(claim.amount, view.currency) != view.amount:
            raise RefundCodeMismatch(
                f"This refund code does not match refund {view.refund_no} (amount or "
                "currency differ). Look the refund up by its number.",
                refund_no=view.refund_no)
        return view
    receipt_no = check_receipt_no(code)
    sale = sale_by_receipt(session, receipt_no)
    if sale is not None:
        return read_sale(session.connection(), sale, now, policy)
    refund = refund_by_no(session, receipt_no)
    if refund is not None:
        return refund_views(session, [refund], store)[0]
    raise sale_not_found(receipt_no)


def find_sales(session: Session, now: datetime, policy: Policy, *,
               date_from: date | None = None, date_to: date | None = None,
               amount: int | None = None, card_last4: str | None = None,
               limit: int = 50) -> list[SaleView]:
    """Sales without their receipt: by local date range (inclusive), exact total, card last 4.
    Newest first, at most ``limit``."""
    query = select(*SALE_COLUMNS)
    if date_from is not None:
        query = query.where(Sale.sold_at >= local_day(now, date_from)[1])
    if date_to is not None:
        query = query.where(Sale.sold_at < local_day(now, date_to)[2])
    if amount is not None:
        if amount <= 0:
            raise TillError("Type an amount above zero to search by amount.", field="amount")
        query = query.where(Sale.total == amount)
    if card_last4:
        last4 = normalise_scan(card_last4)
        if not _LAST4_RE.match(last4):
            raise TillError("The card's last 4 digits are exactly 4 digits.",
                            field="card_last4")
        query = query.where(col(Sale.id).in_(
            select(Tender.sale_id).where(Tender.card_last4 == last4)))
    limit = max(1, min(int(limit), 500))
    query = query.order_by(col(Sale.sold_at).desc(), col(Sale.id).desc()).limit(limit)
    return sale_views(session, session.connection().execute(query).all(), now, policy)
