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
from datetime import timedelta

from sqlalchemy import Engine

from ..clock import Clock
from ..domain.cardnumbers import has_card_number
from ..domain.errors import AccountLocked, NotAManager, UnknownCashier, WrongPin
from ..domain.policy import Policy
from ..domain.views import Approval, CashierView
from ..storage.db import read_tx, write_tx
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
               *, purpose: str, manager_only: bool = False) -> CashierView:
    """Verify ``pin`` for ``cashier_id``, counting a failure and locking after too many."""
    fail_kind = "sign_in_failed" if purpose == "sign_in" else "approval_failed"
    with read_tx(engine) as session:
        row = session.get(Cashier, cashier_id)
        found = row is not None and row.active
        salt, expected = (row.pin_salt, row.pin_hash) if found else (_DUMMY_SALT, b"")
        role = row.role if found else ""
        locked_until = from_db(row.locked_until) if found and row.locked_until else None
    if not found:
        hash_pin(pin or "", _DUMMY_SALT)  # the same time as a real check: ids stay private
        with write_tx(engine) as session:
            audit.record(session, fail_kind, None, clock.now(),
                         cashier_id=(cashier_id or "")[:20], why="unknown")
        raise UnknownCashier(f"No cashier with id {cashier_id}.", cashier_id=cashier_id)
    if manager_only and role != "manager":
        with write_tx(engine) as session:
            audit.record(session, fail_kind, cashier_id, clock.now(), why="not_manager")
        raise NotAManager(f"{cashier_id} is not a manager: ask a manager to approve.",
                          cashier_id=cashier_id)
    now = to_utc(clock.now())
    if locked_until and now < locked_until:
        with write_tx(engine) as session:
            audit.record(session, fail_kind, cashier_id, clock.now(), why="locked")
        raise AccountLocked(_locked_message(cashier_id, locked_until, clock), locked_until)
    ok = isinstance(pin, str) and pin_matches(pin, salt, expected)
    with write_tx(engine) as session:
        row = session.get(Cashier, cashier_id)
        assert row is not None
        until = from_db(row.locked_until) if row.locked_until else None
        if until and now < until:  # locked by another till while we hashed
            raise AccountLocked(_locked_message(cashier_id, until, clock), until)
        if until:  # the lockout is over: a fresh set of tries
            row.failed_attempts, row.locked_until = 0, None
        if ok:
            row.failed_attempts = 0
            if purpose == "sign_in":
                audit.record(session, "sign_in", cashier_id, clock.now())
            session.add(row)
            return _view(row)
        row.failed_attempts += 1
        remaining = policy.max_pin_failures - row.failed_attempts
        audit.record(session, fail_kind, cashier_id, clock.now(), why="wrong_pin",
                     remaining=max(0, remaining))
        if remaining <= 0:
            row.locked_until = now + timedelta(minutes=policy.lockout_minutes)
            row.failed_attempts = 0
            audit.record(session, "locked", cashier_id, clock.now(),
                         until=row.locked_until.isoformat(), minutes=policy.lockout_minutes)
            log.warning("cashier %s locked for %s minutes", cashier_id,
                        policy.lockout_minutes)
        session.add(row)
        until = row.locked_until
    if until is not None:
        raise AccountLocked(_locked_message(cashier_id, until, clock), until)
    raise WrongPin(f"Wrong PIN for {cashier_id}: {remaining} "
                   f"{'try' if remaining == 1 else 'tries'} left.", remaining)


def _locked_message(cashier_id: str, until, clock: Clock) -> str:
    local = until.astimezone(clock.now().tzinfo)
    return (f"{cashier_id} is locked after too many wrong PINs until {local:%H:%M}. "
            "Try again then, or ask a manager.")


def sign_in(engine: Engine, cashier_id: str, pin: str, clock: Clock,
            policy: Policy) -> CashierView:
    """Raises UnknownCashier, WrongPin(remaining), AccountLocked(until)."""
    return _check_pin(engine, (cashier_id or "").strip(), pin, clock, policy,
                      purpose="sign_in")


def verify_manager(engine: Engine, approval: Approval, clock: Clock,
                   policy: Policy) -> CashierView:
    """A manager's id and PIN for an approval; the same counting and lockout as sign-in."""
    return _check_pin(engine, (approval.manager_id or "").strip(), approval.pin, clock,
                      policy, purpose="approval", manager_only=True)
