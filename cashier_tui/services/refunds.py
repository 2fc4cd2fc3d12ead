"""Quote and commit a refund (DESIGN.md §5, §6).

``quote`` runs :func:`rules.build_quote` on a read snapshot. ``commit`` writes the refund
before any gateway call, in one short write transaction that takes the lock (``BEGIN
IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on the sale on PostgreSQL), re-reads the
sale, re-runs the same rules on the fresh rows and only then writes refund, lines, legs (in
flight; cash legs succeed at once), the refund number and the audit events.

The commit reads and writes with SQLAlchemy Core statements built once, run as prepared
statements on the pooled DBAPI connection (``storage.prepared``): it is the till's hottest
write, and SQLAlchemy's per-statement machinery cost several times the database's own work
(DESIGN.md §10, benchmarks/bench_commit.py). Errors still come out as SQLAlchemy's.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, tzinfo
from types import SimpleNamespace

from sqlalchemy import Engine, Table, bindparam, func, insert, or_, select, update

from ..clock import Clock
from ..domain.errors import (
    ApprovalRequired,
    Conflict,
    NoSuchCashier,
    OutcomeUnknown,
    RefundRejected,
)
from ..domain.policy import Policy
from ..domain.views import Approval, Quote, RefundRequest, RefundView, SaleView
from ..storage import prepared
from ..storage.db import read_tx, write_tx
from ..storage.models import (
    AuditEvent,
    Cashier,
    Refund,
    RefundCounter,
    RefundLeg,
    RefundLine,
    Sale,
    SaleLine,
    Tender,
)
from . import audit, people, sales
from .common import local_day, to_utc
from .legs import lines_state, refund_status
from .rules import build_quote

log = logging.getLogger("cashier_tui.refunds")

__all__ = ["build_quote", "commit", "next_refund_no", "quote"]

_sale, _line, _tender = Sale.__table__, SaleLine.__table__, Tender.__table__
_refund, _rline, _leg = Refund.__table__, RefundLine.__table__, RefundLeg.__table__
_counter, _audit = RefundCounter.__table__, AuditEvent.__table__
_cashier = Cashier.__table__

# The sale by its receipt, locked: a row lock on PostgreSQL (what ``storage.db.lock_sale``
# takes, found by receipt instead of id); on SQLite ``FOR UPDATE`` compiles to nothing and
# the ``BEGIN IMMEDIATE`` of ``prepared.write_tx`` already holds the database's write lock.
_LOCK_SALE = (select(*sales.SALE_COLUMNS).where(_sale.c.receipt_no == bindparam("receipt_no"))
              .with_for_update())
_k = bindparam("k_id")

# What the sale's earlier refunds of the till's day move or may still move: their legs
# that did not fail, and the failed ones R can still retry (their tender has room for them
# again): a declined refund retried after a second one would otherwise pass the threshold
# unapproved. A cancelled refund moves nothing. It counts toward the approval threshold, so
# that two refunds of 300.00 need approval as one of 600.00 does.
_EARLIER_TODAY = (
    select(func.coalesce(func.sum(_leg.c.amount), 0))
    .select_from(_leg.join(_refund, _refund.c.id == _leg.c.refund_id)
                 .join(_tender, _tender.c.id == _leg.c.tender_id))
    .where(_refund.c.sale_id == bindparam("sale_id"),
           _refund.c.created_at >= bindparam("day_start"),
           _refund.c.created_at < bindparam("day_end"),
           _refund.c.status != "cancelled",
           or_(_leg.c.state != "failed",
               _tender.c.refunded + _tender.c.in_flight + _leg.c.amount <= _tender.c.amount)))
_KEY = bindparam("request_key")
# Read under the lock in one statement: the refund already stored under this request key
# (a repeat of the same commit) and its sale, whether the cashier is on the staff list, and
# the above.
_CHECKS = select(
    select(_refund.c.refund_no).where(_refund.c.request_key == _KEY)
    .correlate(None).scalar_subquery(),
    select(_refund.c.sale_id).where(_refund.c.request_key == _KEY)
    .correlate(None).scalar_subquery(),
    select(func.count()).select_from(_cashier)
    .where(_cashier.c.id == bindparam("cashier"), _cashier.c.active.is_(True))
    .correlate(None).scalar_subquery(),
    _EARLIER_TODAY.correlate(None).scalar_subquery())


def _insert(table: Table):
    """INSERT of every column but the generated id, each bound by its name: the prepared
    path fills no Python-side default, so every value is given."""
    return insert(table).values({c.key: bindparam(c.key, type_=c.type)
                                 for c in table.c if c.key != "id"})


_INSERT_REFUND = _insert(_refund)
_INSERT_LINES = _insert(_rline)
_INSERT_LEG = _insert(_leg)
_INSERT_AUDIT = _insert(_audit)


def _add(table, *columns: str):
    """``UPDATE table SET c = c + :add_c, ... WHERE id = :k_id`` (relative: the lock is held
    and the CHECK constraints back the caps)."""
    return update(table).where(table.c.id == _k).values(
        {name: table.c[name] + bindparam(f"add_{name}") for name in columns})


_LINES_IN_FLIGHT = _add(_line, "in_flight_qty", "in_flight_amount")
_LINES_REFUNDED = _add(_line, "refunded_qty", "refunded_amount")
_TENDER_IN_FLIGHT = _add(_tender, "in_flight")
_TENDER_REFUNDED = _add(_tender, "refunded")
_SALE_CAPS = _add(_sale, "refunded", "in_flight")
_COUNTERS: dict[str, object] = {}  # dialect name -> the counter's upsert


def quote(engine: Engine, request: RefundRequest, now: datetime, policy: Policy) -> Quote:
    """What ``request`` would refund, or its problems. Writes nothing."""
    with read_tx(engine) as session:
        sale = sales.get_sale(session, request.receipt_no, now, policy)
        ((earlier,),) = session.connection().execute(_EARLIER_TODAY, _day(sale.sale_id, now))
    return build_quote(sale, request, policy, earlier=earlier)


def _day(sale_id: int, now: datetime) -> dict[str, object]:
    """The parameters of :data:`_EARLIER_TODAY`: the sale and the till's day in UTC."""
    start, end = _day_bounds(now.date(), now.tzinfo)
    return {"sale_id": sale_id, "day_start": start, "day_end": end}


@functools.lru_cache(maxsize=4)
def _day_bounds(day: date, tz: tzinfo | None) -> tuple[datetime, datetime]:
    _, start, end = local_day(datetime.combine(day, time(12), tzinfo=tz), None)
    return start, end


def new_request_key() -> str:
    """A request key for a refund attempt (``RefundRequest.request_key``)."""
    return uuid.uuid4().hex


UNKNOWN = ("Lost contact with the database while saving: the refund may have been saved; "
           "checking. Do not refund again until the till has checked.")


KEY_OF_ANOTHER_SALE = ("This request's key is that of refund {no}, of another sale: nothing "
                       "was changed. Go back to the sale and start the refund again.")


def find_by_request_key(engine: Engine, receipt_no: str, request_key: str,
                        store: str) -> RefundView | None:
    """The refund stored under ``request_key``, or None when it surely is not: read after
    taking the sale's lock, the one the commit takes (``FOR UPDATE``, the server's
    ``lock_timeout``, on PostgreSQL; ``BEGIN IMMEDIATE``, the busy timeout, on SQLite). A
    commit whose reply was lost may still be running on the server and hold that lock; once
    the lock is ours it has committed or rolled back, so the answer is final. Raises
    StoreUnavailable-style errors (via the facade) when the lock cannot be had in time."""
    receipt_no = sales.check_receipt_no(receipt_no)
    with write_tx(engine) as session:
        locked = session.connection().execute(_LOCK_SALE, {"receipt_no": receipt_no}).first()
        if locked is None:
            raise sales.sale_not_found(receipt_no)
        return sales.refund_by_request_key(session, request_key, store)


def _counter_upsert(dialect: str):
    stmt = _COUNTERS.get(dialect)
    if stmt is None:  # the PostgreSQL dialect module is imported only on PostgreSQL
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        stmt = _COUNTERS[dialect] = (
            upsert(_counter).values(scope=bindparam("scope"), last=1)
            .on_conflict_do_update(index_elements=["scope"], set_={"last": _counter.c.last + 1})
            .returning(_counter.c.last))
    return stmt


def next_refund_no(tx: prepared.RawTx, till_id: str, now: datetime) -> str:
    """``R-{till}-{yymmdd}-{nnnn}``: the till's counter for its local day, taken atomically
    in the caller's transaction (an upsert, so two tills on PostgreSQL cannot collide)."""
    day = f"{now.year % 100:02d}{now.month:02d}{now.day:02d}"  # strftime: ~8 µs, cold
    ((number,),) = tx.execute(_counter_upsert(tx.dialect.name), {"scope": f"{till_id}-{day}"})
    return f"R-{till_id}-{day}-{number:04d}"


def commit(engine: Engine, request: RefundRequest, cashier_id: str,
           approval: Approval | None, *, clock: Clock, policy: Policy, till_id: str,
           store: str, training: bool, new_key: Callable[[], str]) -> RefundView:
    """Write the refund atomically; raises RefundRejected, ApprovalRequired, AuthError,
    NoSuchCashier, and OutcomeUnknown when the reply to COMMIT was lost.

    A request whose ``request_key`` is stored already returns that refund, as it is now:
    the repeat of a commit whose reply was lost never makes a second refund."""
    receipt_no = sales.check_receipt_no(request.receipt_no)
    # A manager's PIN is checked in a transaction of its own, before the refund's: a wrong
    # PIN must stay counted although the refund is then never written.
    approver = (people.verify_manager(engine, approval, clock, policy, cashier_id).cashier_id
                if approval is not None else None)
    now = clock.now()
    # A caller that never repeats (the CLI, tests) gets a key all the same.
    key = request.request_key or new_request_key()
    try:
        with prepared.write_tx(engine) as tx:
            found = tx.execute(_LOCK_SALE, {"receipt_no": receipt_no})
            if not found:
                raise sales.sale_not_found(receipt_no)
            ((first, first_sale, staff, earlier),) = tx.execute(_CHECKS, {
                "request_key": key, "cashier": cashier_id, **_day(found[0][0], now)})
            if first is not None and first_sale != found[0][0]:
                raise Conflict(KEY_OF_ANOTHER_SALE.format(no=first), refund_no=first)
            if first is not None:  # this very attempt was stored before: never a second
                result = None
            elif not staff:
                raise NoSuchCashier(f"No cashier {cashier_id!r} on the staff list: sign in "
                                    "again to refund.", cashier=cashier_id)
            else:
                # The rules, re-run on the rows read under the lock: the caps are checked
                # atomically.
                view = sales.read_sale(tx, found[0], now, policy)
                q = build_quote(view, request, policy, earlier=earlier)
                if q.problems:
                    raise RefundRejected(q.problems)
                if q.approvals and approver is None:
                    raise ApprovalRequired(q.approvals)
                refund, rlines, legs = _write(
                    tx, view, q, request, key, cashier_id, approver if q.approvals else None,
                    now, till_id, training, new_key)
                result = sales.make_refund_view(
                    refund, view.receipt_no, rlines, legs, {x.line_id: x for x in view.lines},
                    {t.tender_id: t for t in view.tenders}, store)
    except prepared.CommitOutcomeUnknown as exc:
        log.warning("refund commit: outcome unknown (%s); request key %s",
                    type(exc.error.orig).__name__, key)
        raise OutcomeUnknown(UNKNOWN, request_key=key) from exc.error
    if result is None:
        log.info("refund %s: request %s was stored already; not made again", first, key)
        with read_tx(engine) as session:
            return sales.get_refund(session, first, store)
    log.info("refund %s committed: %s %s %s by %s (%s leg(s), status %s)", result.refund_no,
             q.amount, q.currency, request.payout, cashier_id, len(q.legs), result.status)
    return result


def _audit_row(kind: str, actor: str | None, at: datetime, refund_no: str | None,
               **detail: object) -> dict[str, object]:
    """The row :func:`audit.record` adds to a session (same clipping, same JSON), for a Core
    insert in the commit's own statement."""
    return {"at": to_utc(at), "actor": actor[:20] if actor else actor, "kind": kind[:24],
            "refund_no": refund_no, "detail": audit._encode(detail)}


def _write(tx: prepared.RawTx, sale: SaleView, q: Quote, request: RefundRequest,
           request_key: str, cashier_id: str, approver: str | None, now: datetime,
           till_id: str, training: bool,
           new_key: Callable[[], str]) -> tuple[SimpleNamespace, list[dict], list[dict]]:
    """Refund, lines and legs, the caps they hold, the number and the audit events."""
    refund_no = next_refund_no(tx, till_id, now)
    at = to_utc(now)
    legs = [{"tender_id": leg.tender_id, "payout": leg.payout, "action": leg.action,
             "amount": leg.amount, "state": "succeeded" if leg.action == "cash" else "pending",
             "idempotency_key": new_key(), "attempts": 0, "gateway_ref": None, "error": None,
             "updated_at": at} for leg in q.legs]
    states = [x["state"] for x in legs]
    refund = SimpleNamespace(
        refund_no=refund_no, sale_id=sale.sale_id, kind=request.kind, payout=request.payout,
        amount=q.amount, currency=q.currency, reason=request.reason,
        reason_text=(request.reason_text or "").strip() or None,
        note=(request.note or "").strip() or None, cashier=cashier_id, approver=approver,
        approval_rules=",".join(q.approvals) or None, status=refund_status(states),
        created_at=at, training=training, printed=False, print_count=0,
        request_key=request_key)
    refund.id = tx.insert(_INSERT_REFUND, vars(refund))
    rlines = [{"refund_id": refund.id, "sale_line_id": ql.line_id, "qty": ql.qty,
               "amount": ql.amount, "restock": bool(request.restock.get(ql.line_id, True))}
              for ql in q.lines]
    if rlines:
        tx.execute(_INSERT_LINES, rlines)
        # The lines are held in flight while a leg is open; a refund paid wholly in cash is
        # done at once and its lines are refunded (legs.lines_state, as every path has it).
        held = lines_state(states)
        if held in ("in_flight", "refunded"):
            tx.execute(_LINES_IN_FLIGHT if held == "in_flight" else _LINES_REFUNDED, [
                {"k_id": x["sale_line_id"], f"add_{held}_qty": x["qty"],
                 f"add_{held}_amount": x["amount"]} for x in rlines])
    cash = 0
    for leg in legs:
        leg["refund_id"] = refund.id
        leg["id"] = tx.insert(_INSERT_LEG, leg)
        if leg["action"] == "cash":  # paid from the drawer now: refunded in this transaction
            cash += leg["amount"]
            tx.execute(_TENDER_REFUNDED, {"k_id": leg["tender_id"],
                                          "add_refunded": leg["amount"]})
        else:
            tx.execute(_TENDER_IN_FLIGHT, {"k_id": leg["tender_id"],
                                           "add_in_flight": leg["amount"]})
    tx.execute(_SALE_CAPS, {"k_id": sale.sale_id, "add_refunded": cash,
                            "add_in_flight": q.amount - cash})
    events = [_audit_row("refund", cashier_id, now, refund_no, receipt_no=sale.receipt_no,
                         refund_kind=request.kind, payout=request.payout, amount=q.amount,
                         currency=q.currency, reason=request.reason, training=training,
                         legs=[[x.payout, x.action, x.amount] for x in q.legs])]
    if approver is not None:
        events.append(_audit_row("approval", approver, now, refund_no, cashier=cashier_id,
                                 rules=list(q.approvals),
                                 **({"self_approval": True} if approver == cashier_id else {})))
    tx.execute(_INSERT_AUDIT, events)
    return (refund, [SimpleNamespace(**x) for x in rlines],
            [SimpleNamespace(**x) for x in legs])
