"""The refund legs' state machine (DESIGN.md §6) and the work that drives it.

    pending --(mark sent, own transaction)--> sent --(gateway, no transaction)-->
        succeeded | failed | unknown  (recorded in a second transaction)
    unknown/sent --query (same key)--> succeeded | failed | unknown | not_found -> submit again
    failed --retry (re-reserve the caps under the lock)--> pending

A refund's status and its lines' reservation are functions of its legs' states:

* status: ``pending`` while a leg is not final, ``completed`` when all succeeded, ``failed``
  when all failed, ``partial`` for a mix;
* lines: held *in flight* while a leg is not final, *refunded* once the refund is done with
  any leg succeeded, *released* when every leg failed. :func:`move_lines` moves the sale lines
  from one to the other whenever the derived value changes, so every path (commit, record,
  retry) keeps the lines right by construction.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, or_
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, col, select

from ..clock import Clock
from ..domain.errors import OutcomeUnknown, RefundRejected, ResultNotRecorded
from ..domain.policy import Policy
from ..domain.views import FINAL_LEG_STATES, Problem, RefundView
from ..gateways.base import GatewayRequest, GatewayResult, RefundGateway
from ..money import plain
from ..storage.db import lock_sale, read_tx, write_tx
from ..storage.models import Refund, RefundLeg, RefundLine, Sale, SaleLine, Tender
from ..storage.prepared import CommitOutcomeUnknown
from . import sales
from .common import local_day, to_utc

log = logging.getLogger("cashier_tui.refunds")
Progress = Callable[[str, str], None]
OPEN_STATES = ("pending", "sent", "unknown")
NO_ANSWER = ("No answer from the payment provider. Retry to ask again: the refund is never "
             "made twice.")


def refund_status(states: Iterable[str]) -> str:
    states = list(states)
    if any(s not in FINAL_LEG_STATES for s in states):
        return "pending"
    if all(s == "succeeded" for s in states):
        return "completed"
    if all(s == "failed" for s in states):
        return "failed"
    return "partial"


def lines_state(states: Iterable[str]) -> str:
    status = refund_status(states)
    return {"pending": "in_flight", "failed": "released"}.get(status, "refunded")


def _caps_gone(refund_no: str) -> RefundRejected:
    return RefundRejected((Problem(
        "caps_gone", f"Refund {refund_no} can no longer be retried: part of the sale was "
        "refunded since. Start a new refund for what is left."),))


def _needs_approval(refund_no: str) -> RefundRejected:
    return RefundRejected((Problem(
        "retry_needs_approval", f"Refund {refund_no} was not retried: with the sale's other "
        "refunds of today it is over the amount a manager must approve, and it has no "
        "approval. Leave it (Esc) and start a new refund for what is left, with a manager.",
        params={"refund_no": refund_no}),))


def move_lines(session: Session, refund: Refund, before: str, after: str) -> None:
    """Move the refund's lines between in flight / refunded / released on the sale lines."""
    if before == after:
        return
    rows = session.exec(select(RefundLine, SaleLine)
                        .join(SaleLine, col(SaleLine.id) == col(RefundLine.sale_line_id))
                        .where(RefundLine.refund_id == refund.id)).all()
    for rl, sl in rows:
        if before == "in_flight":
            sl.in_flight_qty -= rl.qty
            sl.in_flight_amount -= rl.amount
        elif before == "refunded":
            sl.refunded_qty -= rl.qty
            sl.refunded_amount -= rl.amount
        if after == "in_flight":
            if (sl.refunded_qty + sl.in_flight_qty + rl.qty > sl.qty
                    or sl.refunded_amount + sl.in_flight_amount + rl.amount > sl.net):
                raise _caps_gone(refund.refund_no)
            sl.in_flight_qty += rl.qty
            sl.in_flight_amount += rl.amount
        elif after == "refunded":
            sl.refunded_qty += rl.qty
            sl.refunded_amount += rl.amount
        session.add(sl)


def _locked(session: Session, refund_no: str) -> tuple[Refund, Sale, list[RefundLeg]]:
    """The refund, its sale locked for update, and its legs, read after the lock."""
    sale_id = session.exec(select(Refund.sale_id).where(Refund.refund_no == refund_no)).one()
    sale = lock_sale(session, sale_id)
    refund = session.exec(select(Refund).where(Refund.refund_no == refund_no)
                          .execution_options(populate_existing=True)).one()
    legs = list(session.exec(select(RefundLeg).where(RefundLeg.refund_id == refund.id)
                             .order_by(col(RefundLeg.id))
                             .execution_options(populate_existing=True)))
    return refund, sale, legs


def _mark_sent(engine: Engine, refund_no: str, leg_id: int,
               now: datetime) -> tuple[GatewayRequest, int] | None:
    """pending/sent/unknown -> sent with attempts+1, committed before the gateway call.
    Returns the request and the attempt number it is."""
    with write_tx(engine) as session:
        refund, _sale, legs = _locked(session, refund_no)
        leg = next(x for x in legs if x.id == leg_id)
        if leg.state not in OPEN_STATES:
            return None
        tender = session.get(Tender, leg.tender_id)
        leg.state, leg.attempts, leg.updated_at = "sent", leg.attempts + 1, to_utc(now)
        session.add(leg)
        log.info("refund %s leg %s: sent (attempt %s)", refund_no, leg.id, leg.attempts)
        return GatewayRequest(
            idempotency_key=leg.idempotency_key,
            action="void" if leg.action == "void" else "refund", method=tender.method,
            reference=tender.reference, amount=leg.amount, currency=refund.currency,
            refund_no=refund_no), leg.attempts


def _record(engine: Engine, refund_no: str, leg_id: int, result: GatewayResult,
            now: datetime, attempt: int) -> None:
    """Write what the gateway said about one leg, and what follows for tender/sale/lines.

    ``attempt`` is the attempt the answer belongs to. A success is the provider's last word
    on the key and is always recorded. A decline or no answer is recorded only while that
    attempt is still the leg's current one (sent or unknown, same attempt number): once
    another till has recorded it and retried, an old "declined" would mark the new attempt
    failed and release its caps although the provider may be refunding it right now.
    """
    with write_tx(engine) as session:
        refund, sale, legs = _locked(session, refund_no)
        leg = next(x for x in legs if x.id == leg_id)
        if leg.state in FINAL_LEG_STATES:
            return  # another till or a sweep recorded it first
        outcome = result.outcome if result.outcome != "not_found" else "unknown"
        if outcome != "succeeded" and (leg.state not in ("sent", "unknown")
                                       or leg.attempts != attempt):
            log.info("refund %s leg %s: %s of attempt %s ignored (now %s, attempt %s)",
                     refund_no, leg.id, outcome, attempt, leg.state, leg.attempts)
            return
        before = lines_state(x.state for x in legs)
        tender = session.get(Tender, leg.tender_id)
        if outcome in ("succeeded", "failed"):
            tender.in_flight -= leg.amount
            sale.in_flight -= leg.amount
            if outcome == "succeeded":
                tender.refunded += leg.amount
                sale.refunded += leg.amount
            session.add_all([tender, sale])
        leg.state, leg.updated_at = outcome, to_utc(now)
        leg.gateway_ref = result.gateway_ref or leg.gateway_ref
        leg.error = {"succeeded": None, "unknown": NO_ANSWER}.get(
            outcome, (result.error or "The payment provider refused the refund.")[:200])
        session.add(leg)
        states = [x.state for x in legs]
        move_lines(session, refund, before, lines_state(states))
        refund.status = refund_status(states)
        session.add(refund)
        log.info("refund %s leg %s: %s -> refund %s", refund_no, leg.id, outcome,
                 refund.status)


def _call(fn: Callable[[object], GatewayResult], arg: object, refund_no: str) -> GatewayResult:
    """A gateway call; any error it raises (timeout, network) means the answer is unknown."""
    try:
        return fn(arg)
    except Exception as exc:  # a real adapter's socket error, timeout, bad reply ...
        log.warning("refund %s: gateway error %s", refund_no, type(exc).__name__)
        return GatewayResult("unknown", error=NO_ANSWER)


@dataclass(frozen=True, slots=True)
class OpenLeg:
    """What :func:`process` read about a leg (rows never leave their session)."""

    id: int
    state: str
    payout: str
    amount: int
    idempotency_key: str
    attempts: int


def settle_leg(engine: Engine, gateway: RefundGateway, clock: Clock, refund_no: str,
               leg: OpenLeg, currency: str, progress: Progress, *, rounds: int = 1) -> None:
    """Drive one open leg as far as the gateway lets it go now.

    ``rounds`` > 1 (sweeps): a submit answered *unknown* (the request or its reply was
    lost) is followed at once by another round: query with the same key, and submit again
    if the provider never saw it. Without it a pending leg whose first request was lost
    took two sweeps to settle. The cashier's own send stops at the first unknown: the screen
    says so and R asks again."""
    for _ in range(rounds):
        answer = _settle_once(engine, gateway, clock, refund_no, leg, currency, progress)
        if answer is None or answer[0] != "unknown":
            return
        leg = dataclasses.replace(leg, state="unknown", attempts=answer[1])


def _settle_once(engine: Engine, gateway: RefundGateway, clock: Clock, refund_no: str,
                 leg: OpenLeg, currency: str, progress: Progress) -> tuple[str, int] | None:
    """One query and/or submit of ``leg``: (the provider's outcome, the attempt it answers),
    or None when the leg was no longer open."""
    what = f"{leg.payout} {plain(leg.amount, currency)}"
    if leg.state in ("sent", "unknown"):
        progress("waiting", what)
        result = _call(gateway.query, leg.idempotency_key, refund_no)
        if result.outcome != "not_found":
            progress("recording", what)
            _record_answer(engine, refund_no, leg.id, result, clock.now(), leg.attempts)
            return result.outcome, leg.attempts
    progress("saving", what)
    sent = _mark_sent(engine, refund_no, leg.id, clock.now())
    if sent is None:
        return None
    request, attempt = sent
    progress("sending", what)
    result = _call(gateway.submit, request, refund_no)
    progress("recording", what)
    _record_answer(engine, refund_no, leg.id, result, clock.now(), attempt)
    return result.outcome, attempt


NOT_RECORDED = ("The payment provider answered (it may have refunded) but the till could not "
                "record it: the database is busy or cannot be reached. Do not refund again: "
                "the refund is kept in flight and the till settles it with the provider "
                "(same request, never twice) when the database is back; R retries now.")


def _record_answer(engine: Engine, refund_no: str, leg_id: int, result: GatewayResult,
                   now: datetime, attempt: int) -> None:
    """:func:`_record` after a provider call: a database failure here is not "nothing was
    changed" (the provider may have refunded), so it is said as such."""
    try:
        _record(engine, refund_no, leg_id, result, now, attempt)
    except (DBAPIError, PoolTimeout, CommitOutcomeUnknown) as exc:
        log.warning("refund %s leg %s: %s answer not recorded (%s); left for the sweep",
                    refund_no, leg_id, result.outcome, type(exc).__name__)
        raise ResultNotRecorded(NOT_RECORDED, refund_no=refund_no) from exc


def _view(engine: Engine, refund_no: str, store: str) -> RefundView:
    with read_tx(engine) as session:
        return sales.get_refund(session, refund_no, store)


def process(engine: Engine, gateway: RefundGateway, clock: Clock, refund_no: str,
            store: str, progress: Progress | None = None, *,
            busy_after: datetime | None = None, rounds: int = 1) -> RefundView:
    """Send the refund's open legs (pending: submit; sent/unknown: query first).

    ``busy_after`` (for sweeps): leave alone pending and sent legs touched after it; a till
    may still be sending them (see :func:`sweep`)."""
    report = progress or (lambda step, detail: None)
    with read_tx(engine) as session:
        view = sales.get_refund(session, refund_no, store)
        query = (select(RefundLeg.id, RefundLeg.state, RefundLeg.payout, RefundLeg.amount,
                        RefundLeg.idempotency_key, RefundLeg.attempts)
                 .join(Refund, col(Refund.id) == col(RefundLeg.refund_id))
                 .where(Refund.refund_no == view.refund_no,
                        col(RefundLeg.state).in_(OPEN_STATES))
                 .order_by(col(RefundLeg.id)))
        if busy_after is not None:
            query = query.where(_settleable(busy_after))
        open_legs = [OpenLeg(*row) for row in session.exec(query)]
    for leg in open_legs:
        settle_leg(engine, gateway, clock, view.refund_no, leg, view.currency, report,
                   rounds=rounds)
    view = _view(engine, view.refund_no, store)
    report("done", view.status)
    return view


RETRY_UNKNOWN = ("Lost contact with the database while saving the retry: it may have been "
                 "saved; checking. Do not refund it again another way until the till has "
                 "checked.")


def refund_locked(engine: Engine, refund_no: str, store: str) -> RefundView:
    """The refund read under its sale's lock (the lock its writes take): once it is ours,
    a write whose COMMIT reply was lost has committed or rolled back, so this is final.
    Raises ``StoreUnavailable`` (busy) when the lock cannot be had in time."""
    refund_no = _view(engine, refund_no, store).refund_no  # raises RefundNotFound
    with write_tx(engine) as session:
        _locked(session, refund_no)
        return sales.get_refund(session, refund_no, store)


def _over_threshold(session: Session, refund: Refund, legs: list[RefundLeg],
                    policy: Policy | None, now: datetime) -> bool:
    """Whether retrying ``refund`` (no approver) takes what the sale's refunds of the day
    move over the approval threshold: its whole amount and the other refunds' legs that did
    not fail (the commit counted a failed refund's legs too, as they may be retried)."""
    if policy is None or refund.approver is not None or all(x.state != "failed" for x in legs):
        return False
    _, start, end = local_day(now, None)
    others = session.exec(
        select(func.coalesce(func.sum(RefundLeg.amount), 0))
        .join(Refund, col(Refund.id) == col(RefundLeg.refund_id))
        .where(Refund.sale_id == refund.sale_id, Refund.id != refund.id,
               col(Refund.created_at) >= start, col(Refund.created_at) < end,
               Refund.status != "cancelled", RefundLeg.state != "failed")).one()
    return others + refund.amount > policy.approval_threshold


def retry(engine: Engine, gateway: RefundGateway, clock: Clock, refund_no: str, store: str,
          progress: Progress | None = None, *, policy: Policy | None = None) -> RefundView:
    """Failed legs re-reserve their caps and go again with the same key; unknown legs are
    queried first. Raises RefundRejected when the caps are gone or when, without a manager's
    approval, the retry would take the sale's refunds of the day over ``policy``'s
    threshold; OutcomeUnknown when the reply to its COMMIT was lost (:func:`refund_locked`
    then tells whether its legs are back in flight)."""
    refund_no = _view(engine, refund_no, store).refund_no  # raises RefundNotFound
    try:
        _reserve_again(engine, clock, refund_no, policy)
    except CommitOutcomeUnknown as exc:
        log.warning("refund %s: retry outcome unknown (%s)", refund_no,
                    type(exc.error.orig).__name__)
        raise OutcomeUnknown(RETRY_UNKNOWN, refund_no=refund_no) from exc.error
    return process(engine, gateway, clock, refund_no, store, progress)


def _reserve_again(engine: Engine, clock: Clock, refund_no: str,
                   policy: Policy | None) -> None:
    """failed -> pending for the refund's failed legs, their caps reserved again."""
    with write_tx(engine) as session:
        refund, sale, legs = _locked(session, refund_no)
        if _over_threshold(session, refund, legs, policy, clock.now()):
            raise _needs_approval(refund_no)
        before = lines_state(x.state for x in legs)
        for leg in legs:
            if leg.state != "failed":
                continue
            tender = session.get(Tender, leg.tender_id)
            if tender.refunded + tender.in_flight + leg.amount > tender.amount:
                raise _caps_gone(refund_no)
            tender.in_flight += leg.amount
            sale.in_flight += leg.amount
            leg.state, leg.error, leg.updated_at = "pending", None, to_utc(clock.now())
            session.add_all([tender, sale, leg])
            log.info("refund %s leg %s: failed -> pending (retry)", refund_no, leg.id)
        states = [x.state for x in legs]
        move_lines(session, refund, before, lines_state(states))
        refund.status = refund_status(states)
        session.add(refund)


# How long a pending or sent leg is left to the till that is sending it before a sweep takes
# it over: longer than any gateway call (a real adapter times out well within it).
SWEEP_GRACE = timedelta(seconds=60)


# A sweep's rounds per leg: its send, and once more (query; submit again if the provider
# never saw it) when that send was answered unknown.
SWEEP_ROUNDS = 2


def _settleable(busy_after: datetime):
    """Legs a sweep may take: unknown ones (nobody is waiting on them), and pending or sent
    ones not touched since ``busy_after`` (their till has given up or died)."""
    return or_(RefundLeg.state == "unknown", col(RefundLeg.updated_at) <= to_utc(busy_after))


def sweep(engine: Engine, gateway: RefundGateway, clock: Clock, store: str, *,
          grace: timedelta = SWEEP_GRACE, own_till: str | None = None) -> list[RefundView]:
    """Settle every refund with a leg that is not final (at start and periodically).

    A pending or sent leg younger than ``grace`` is skipped: the till that committed or sent
    it may be waiting on the provider right now, and sending it again (same key, so never a
    second refund) would only add attempts and calls. ``own_till``: a till starting up
    passes its own id, since its earlier run is gone; its legs are taken at once.
    """
    busy_after = clock.now() - grace
    with read_tx(engine) as session:
        numbers = list(session.exec(
            select(Refund.refund_no).join(RefundLeg, col(RefundLeg.refund_id) == col(Refund.id))
            .where(col(RefundLeg.state).in_(OPEN_STATES),
                   or_(_settleable(busy_after), col(Refund.refund_no).startswith(
                       f"R-{own_till}-", autoescape=True)) if own_till else
                   _settleable(busy_after))
            .distinct().order_by(Refund.refund_no)))
    return [process(engine, gateway, clock, no, store,
                    busy_after=None if own_till and sales.refund_till(no) == own_till
                    else busy_after, rounds=SWEEP_ROUNDS)
            for no in numbers]
