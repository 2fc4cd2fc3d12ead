"""The day's refunds, the shift report and the voucher's print state."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, not_
from sqlmodel import col, select

from ..domain.errors import RefundNotFound
from ..domain.views import RefundView, ShiftReport
from ..storage.db import read_tx, write_tx
from ..storage.models import Refund, Sale
from . import audit, sales
from .common import local_day, to_utc

log = logging.getLogger("cashier_tui.refunds")


def journal(engine: Engine, now: datetime, day: date | None, store: str) -> list[RefundView]:
    """Refunds created on the till's local ``day`` (default today), newest first."""
    _day, start, end = local_day(now, day)
    with read_tx(engine) as session:
        rows = list(session.exec(
            select(Refund).where(Refund.created_at >= start, Refund.created_at < end)
            .order_by(col(Refund.created_at).desc(), col(Refund.id).desc())))
        return sales.refund_views(session, rows, store)


# How far back a till looks for its own vouchers that never came out of the printer.
UNPRINTED_DAYS = 7
# Refund states whose money went back (wholly or partly): their voucher is owed.
PRINTABLE = ("completed", "partial")


def unprinted(engine: Engine, now: datetime, store: str, till_id: str, *,
              limit: int = 20) -> list[RefundView]:
    """This till's refunds of the last few days whose voucher was never printed (a crash,
    the printer off, the cashier gone on): what to offer at sign-in. Oldest first."""
    since = to_utc(now) - timedelta(days=UNPRINTED_DAYS)
    with read_tx(engine) as session:
        rows = list(session.exec(
            select(Refund).where(Refund.created_at >= since, not_(Refund.printed),
                                 col(Refund.status).in_(PRINTABLE),
                                 col(Refund.refund_no).startswith(f"R-{till_id}-"))
            .order_by(col(Refund.created_at), col(Refund.id)).limit(limit)))
        return sales.refund_views(session, rows, store)


def shift_report(engine: Engine, now: datetime, day: date | None, store: str) -> ShiftReport:
    """Totals of the day's refunds by payout method (succeeded legs only; voids apart, by the
    method voided), the cash paid out
    of the drawer, and how many refunds are still pending or need a retry (failed legs)."""
    the_day = local_day(now, day)[0]
    refunds = journal(engine, now, the_day, store)
    by_method: dict[str, int] = {}
    voided: dict[str, int] = {}
    for refund in refunds:
        for leg in refund.legs:
            if leg.state == "succeeded":
                into, key = (voided, leg.method) if leg.action == "void" else (by_method,
                                                                               leg.payout)
                into[key] = into.get(key, 0) + leg.amount
    currencies = Counter(r.currency for r in refunds)
    if currencies:
        currency = currencies.most_common(1)[0][0]
    else:
        with read_tx(engine) as session:
            currency = session.exec(select(Sale.currency).limit(1)).first() or "CNY"
    return ShiftReport(
        day=the_day.isoformat(), currency=currency, count=len(refunds),
        total=sum(by_method.values()), by_method=dict(sorted(by_method.items())),
        cash_paid_out=by_method.get("cash", 0),
        pending=sum(1 for r in refunds if r.status == "pending"),
        failed=sum(1 for r in refunds if r.status in ("failed", "partial")),
        voided=dict(sorted(voided.items())),
    )


def mark_printed(engine: Engine, now: datetime, refund_no: str, actor: str | None, *,
                 reprint: bool, ok: bool, detail: str = "") -> None:
    """Record a voucher print: printed/print_count on success, an audit event either way.
    A failed print never touches the refund itself: it stays unprinted and can be printed."""
    code = sales.normalise_scan(refund_no)
    with write_tx(engine) as session:
        refund = sales.refund_by_no(session, code)
        if refund is None:
            raise RefundNotFound(f"No refund with number {code}.", refund_no=code)
        if ok:
            refund.printed = True
            refund.print_count += 1
            session.add(refund)
        kind = ("reprint" if reprint else "print") if ok else "print_failed"
        audit.record(session, kind, actor, now, code, reprint=reprint,
                     detail=detail[:300], count=refund.print_count)
    log.info("refund %s: %s %s", code, kind, detail[:100])
