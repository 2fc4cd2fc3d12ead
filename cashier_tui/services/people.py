"""Cashiers and managers: PINs hashed with scrypt, lockout after repeated failures.

A PIN is never stored, logged or audited. Each wrong PIN is counted in its own committed write
transaction, so a failed manager approval still counts even though the refund it was meant
for is never written. The hash is computed outside any transaction (it takes ~50 ms).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import select

from ..clock import Clock
from ..domain.cardnumbers import has_card_number
from ..domain.errors import (
    AccountLocked,
    NotAManager,
    SelfApproval,
    UnknownCashier,
    WrongPin,
)
from ..domain.policy import Policy
from ..domain.views import Approval, CashierView
from ..storage.db import write_tx
from ..storage.models import Cashier
from . import audit
from .common import from_db, to_utc

log = logging.getLogger("cashier_tui.people")

ROLES = ("cashier", "manager")
_PIN_RE = re.compile(r"^[0-9]{4,8}$")
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_DUMMY_SALT = b"\0" * 16


def hash_pin(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, **_SCRYPT)


def pin_matches(pin: str, salt: bytes, expected: bytes) -> bool:
    return hmac.compare_digest(hash_pin(pin, salt), expected)


def _view(row: Cashier) -> CashierView:
    return CashierView(cashier_id=row.id, name=row.name, role=row.role)


def add_cashier(engine: Engine, cashier_id: str, name: str, role: str, pin: str,
                clock: Clock) -> CashierView:
    """Create a cashier or manager (the CLI's ``cashier add``). Raises ValueError."""
    cashier_id = (cashier_id or "").strip()
    name = (name or "").strip()
    for what, text in (("id", cashier_id), ("name", name)):
        if has_card_number(text):  # never echoed: the message names the field only
            raise ValueError(f"The cashier {what} looks like a full card number; it cannot "
                             "be stored. Choose another.")
    if not _ID_RE.match(cashier_id):
        raise ValueError("A cashier id is 1-20 letters, digits, '-' or '_'.")
    if not name or len(name) > 100:
        raise ValueError("A cashier needs a name of at most 100 characters.")
    if role not in ROLES:
        raise ValueError(f"The role must be 'cashier' or 'manager', not '{role}'.")
    if not isinstance(pin, str) or not _PIN_RE.match(pin):
        raise ValueError("A PIN is 4 to 8 digits.")
    salt = os.urandom(16)
    digest = hash_pin(pin, salt)
    with write_tx(engine) as session:
        if session.get(Cashier, cashier_id) is not None:
            raise ValueError(f"A cashier with id {cashier_id} already exists.")
        row = Cashier(id=cashier_id, name=name, role=role, pin_salt=salt, pin_hash=digest)
        session.add(row)
        audit.record(session, "cashier_added", None, clock.now(), cashier_id=cashier_id,
                     role=role)
    log.info("cashier %s added (%s)", cashier_id, role)
    return CashierView(cashier_id=cashier_id, name=name, role=role)


def _check_pin(engine: Engine, cashier_id: str, pin: str, clock: Clock, policy: Policy,
               *, purpose: str, manager_only: bool = False,
               refuse_self: bool = False) -> CashierView:
    """Verify ``pin`` for ``cashier_id``, counting a failure and locking after too many.

    A try is reserved (counted) under the row's lock *before* the PIN is hashed, so however
    many tills try at once, at most ``policy.max_pin_failures`` PINs are ever evaluated
    before the account locks; the right PIN then gives the tries back."""
    fail_kind = "sign_in_failed" if purpose == "sign_in" else "approval_failed"
    now = to_utc(clock.now())
    found = _reserve_try(engine, cashier_id, now, clock, policy, fail_kind, manager_only,
                         refuse_self)
    if found is None:
        # The same work as a real check (a transaction, the hash, a transaction): how long
        # the answer takes does not tell which ids exist.
        hash_pin(pin or "", _DUMMY_SALT)
        with write_tx(engine) as session:
            audit.record(session, fail_kind, None, clock.now(),
                         cashier_id=(cashier_id or "")[:20], why="unknown")
        raise UnknownCashier(f"Wrong id or PIN ({cashier_id}).", cashier_id=cashier_id)
    salt, expected, tries = found
    ok = isinstance(pin, str) and pin_matches(pin, salt, expected)
    with write_tx(engine) as session:
        row = session.exec(select(Cashier).where(Cashier.id == cashier_id)
                           .with_for_update()).one()
        if ok:
            row.failed_attempts, row.locked_until = 0, None
            if purpose == "sign_in":
                audit.record(session, "sign_in", cashier_id, clock.now())
            session.add(row)
            return _view(row)
        remaining = max(0, policy.max_pin_failures - tries)
        audit.record(session, fail_kind, cashier_id, clock.now(), why="wrong_pin",
                     remaining=remaining)
        until = from_db(row.locked_until) if row.locked_until else None
        locked = remaining == 0 and until is not None and now < until
        if locked:
            audit.record(session, "locked", cashier_id, clock.now(),
                         until=until.isoformat(), minutes=policy.lockout_minutes)
            log.warning("cashier %s locked for %s minutes", cashier_id,
                        policy.lockout_minutes)
        role = row.role
    if locked:
        raise AccountLocked(_locked_message(cashier_id, until, clock, role), until, role=role)
    raise WrongPin(f"Wrong PIN for {cashier_id}: {remaining} "
                   f"{'try' if remaining == 1 else 'tries'} left.", remaining)


def _reserve_try(engine: Engine, cashier_id: str, now: datetime, clock: Clock,
                 policy: Policy, fail_kind: str, manager_only: bool,
                 refuse_self: bool) -> tuple[bytes, bytes, int] | None:
    """Count one try under the row's lock (``FOR UPDATE`` on PostgreSQL, ``BEGIN
    IMMEDIATE`` on SQLite) and lock the account when it is the last one allowed; the PIN is
    checked afterwards, outside the transaction. Returns (salt, hash, this try's number), or
    None for an unknown id; raises NotAManager, SelfApproval (a manager approving their own
    refund: ``refuse_self``) or AccountLocked, all audited."""
    refusal: Exception | None = None
    with write_tx(engine) as session:
        row = session.exec(select(Cashier).where(Cashier.id == cashier_id)
                           .with_for_update()).first()
        until = from_db(row.locked_until) if row is not None and row.locked_until else None
        if row is None or not row.active:
            return None  # audited by the caller, after the same hash as a real check
        if manager_only and row.role != "manager":
            audit.record(session, fail_kind, cashier_id, clock.now(), why="not_manager")
            refusal = NotAManager(f"{cashier_id} is not a manager: ask a manager to approve.",
                                  cashier_id=cashier_id)
        elif refuse_self:
            audit.record(session, fail_kind, cashier_id, clock.now(), why="self_approval")
            refusal = SelfApproval(f"{cashier_id} cannot approve their own refund: ask "
                                   "another manager.", cashier_id=cashier_id)
        elif until and now < until:
            audit.record(session, fail_kind, cashier_id, clock.now(), why="locked")
            refusal = AccountLocked(_locked_message(cashier_id, until, clock, row.role),
                                    until, role=row.role)
        else:
            # After a lockout a fresh set of tries; otherwise one more, counted relatively.
            tries = 1 if until else row.failed_attempts + 1
            values: dict[str, object] = {
                "failed_attempts": 1 if until else Cashier.failed_attempts + 1,
                "locked_until": None}
            if tries >= policy.max_pin_failures:  # the last try: nobody gets one meanwhile
                values["locked_until"] = now + timedelta(minutes=policy.lockout_minutes)
            session.execute(update(Cashier).where(Cashier.id == cashier_id).values(**values))
            found = (row.pin_salt, row.pin_hash, tries)
    if refusal is not None:  # raised after the commit: the refusal stays audited
        raise refusal
    return found


def _locked_message(cashier_id: str, until, clock: Clock, role: str = "cashier") -> str:
    local = until.astimezone(clock.now().tzinfo)
    who = "another manager" if role == "manager" else "a manager"
    return (f"{cashier_id} is locked after too many wrong PINs until {local:%H:%M}. "
            f"Try again then, or ask {who} to unlock it.")


def unlock(engine: Engine, cashier_id: str, clock: Clock, *, by: str | None,
           via: str) -> bool:
    """Lift a lockout and give the tries back (``cashier unlock`` and a manager at the
    till); audited as ``unlocked`` with who did it. Returns whether the account was locked;
    raises UnknownCashier for an id nobody has."""
    cashier_id = (cashier_id or "").strip()
    now = to_utc(clock.now())
    with write_tx(engine) as session:
        row = session.exec(select(Cashier).where(Cashier.id == cashier_id)
                           .with_for_update()).first()
        if row is not None:
            until = from_db(row.locked_until) if row.locked_until else None
            was_locked = until is not None and now < until
            row.failed_attempts, row.locked_until = 0, None
            session.add(row)
            audit.record(session, "unlocked", by, clock.now(), cashier_id=cashier_id,
                         was_locked=was_locked, via=via)
    if row is None:
        raise UnknownCashier(f"No cashier with id {cashier_id}.", cashier_id=cashier_id)
    log.info("cashier %s unlocked by %s (%s)", cashier_id, by or "the command line", via)
    return was_locked


def sign_in(engine: Engine, cashier_id: str, pin: str, clock: Clock,
            policy: Policy) -> CashierView:
    """Raises UnknownCashier, WrongPin(remaining), AccountLocked(until)."""
    return _check_pin(engine, (cashier_id or "").strip(), pin, clock, policy,
                      purpose="sign_in")


def verify_manager(engine: Engine, approval: Approval, clock: Clock, policy: Policy,
                   cashier_id: str | None = None) -> CashierView:
    """A manager's id and PIN for an approval; the same counting and lockout as sign-in.

    The approver must be another person than ``cashier_id`` (the cashier making the
    refund) unless ``policy.self_approval``: refused before the PIN is checked."""
    manager_id = (approval.manager_id or "").strip()
    own = bool(cashier_id) and manager_id.upper() == (cashier_id or "").strip().upper()
    return _check_pin(engine, manager_id, approval.pin, clock, policy, purpose="approval",
                      manager_only=True, refuse_self=own and not policy.self_approval)
