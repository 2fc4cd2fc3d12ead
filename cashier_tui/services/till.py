"""The facade the screens use. Implementation lives in the sibling modules.

Every method may block (database, gateway, scrypt): screens call them from thread workers.
Database failures come out as ``StoreUnavailable`` (busy / unreachable) or ``Conflict``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from ..clock import Clock
from ..domain.policy import Policy
from ..domain.views import (
    Approval,
    CashierView,
    Quote,
    RefundRequest,
    RefundView,
    SaleView,
    ShiftReport,
)
from ..gateways.base import RefundGateway
from ..storage.db import read_tx
from . import journal as _journal
from . import legs, people, refunds, sales
from .common import guarded

if TYPE_CHECKING:  # written by another engineer; never imported at start
    from ..qrpayload import RefundCodec

# progress(step, detail): step in "saving", "sending", "waiting", "recording", "done"
Progress = Callable[[str, str], None]


_TILL_ID_RE = re.compile(r"^[A-Z0-9](?:[A-Z0-9-]{0,16}[A-Z0-9])?$")


def _uuid_hex() -> str:
    return uuid.uuid4().hex


@dataclass
class Till:
    engine: Engine
    gateway: RefundGateway
    clock: Clock
    policy: Policy = field(default_factory=Policy)
    store: str = "S01"
    till_id: str = "T01"
    training: bool = False
    new_key: Callable[[], str] = field(default=_uuid_hex)  # a leg's idempotency key, made once
    codec: RefundCodec | None = None  # verifies scanned refund QR codes
    # A sweep leaves pending/sent legs younger than this to the till sending them.
    sweep_grace: timedelta = legs.SWEEP_GRACE
    _swept: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The till id is part of every refund number (R-{till}-{yymmdd}-{nnnn}), which is
        # scanned back, upper-cased, and must fit refund.refund_no (32 characters).
        till = sales.normalise_scan(self.till_id)
        if not _TILL_ID_RE.match(till):
            raise ValueError(f"The till id {self.till_id!r} cannot make refund numbers: use 1 "
                             "to 18 letters, digits and '-' (e.g. T01).")
        self.till_id = till

    # --- people -----------------------------------------------------------------------
    @guarded
    def sign_in(self, cashier_id: str, pin: str) -> CashierView:
        """Raises UnknownCashier, WrongPin(remaining), AccountLocked(until)."""
        return people.sign_in(self.engine, cashier_id, pin, self.clock, self.policy)

    @guarded
    def check_approval(self, approval: Approval, rules: tuple[str, ...],
                       cashier_id: str | None = None) -> CashierView:
        """A manager's id and PIN; raises AuthError subclasses, NotAManager, or
        SelfApproval when the manager is ``cashier_id`` (unless the policy allows it)."""
        return people.verify_manager(self.engine, approval, self.clock, self.policy,
                                     cashier_id)

    @guarded
    def unlock(self, cashier_id: str, approval: Approval) -> bool:
        """A manager (id and PIN, counted like any approval) lifts ``cashier_id``'s lockout;
        audited. Returns whether it was locked; raises AuthError subclasses, or
        UnknownCashier with ``cashier_id`` for an id nobody has."""
        manager = people.verify_manager(self.engine, approval, self.clock, self.policy)
        return people.unlock(self.engine, cashier_id, self.clock, by=manager.cashier_id,
                             via="till")

    @guarded
    def add_cashier(self, cashier_id: str, name: str, role: str, pin: str) -> CashierView:
        """Raises ValueError with a plain message (bad PIN, role, or an existing id)."""
        return people.add_cashier(self.engine, cashier_id, name, role, pin, self.clock)

    # --- sales ------------------------------------------------------------------------
    @guarded
    def lookup(self, code: str) -> SaleView | RefundView:
        """A scan: a receipt number (-> SaleView) or a refund code/QR (-> RefundView).
        Raises NotAReceipt, SaleNotFound, RefundNotFound."""
        with read_tx(self.engine) as session:
            return sales.lookup(session, code, self.clock.now(), self.policy, self.store,
                                self.codec)

    @guarded
    def get_sale(self, receipt_no: str) -> SaleView:
        with read_tx(self.engine) as session:
            return sales.get_sale(session, receipt_no, self.clock.now(), self.policy)

    @guarded
    def find_sales(self, *, date_from: date | None = None, date_to: date | None = None,
                   amount: int | None = None, card_last4: str | None = None,
                   limit: int = 50) -> list[SaleView]:
        with read_tx(self.engine) as session:
            return sales.find_sales(session, self.clock.now(), self.policy,
                                    date_from=date_from, date_to=date_to, amount=amount,
                                    card_last4=card_last4, limit=limit)

    # --- refunds ----------------------------------------------------------------------
    @guarded
    def quote(self, request: RefundRequest) -> Quote:
        """What the request would refund, or its problems. Writes nothing."""
        return refunds.quote(self.engine, request, self.clock.now(), self.policy)

    def request_key(self) -> str:
        """A key for one refund attempt: put it in the request before the first commit and
        keep it on every repeat (``RefundRequest.request_key``)."""
        return refunds.new_request_key()

    @guarded
    def commit(self, request: RefundRequest, cashier_id: str,
               approval: Approval | None = None) -> RefundView:
        """Atomically write refund, lines, legs (in flight) and audit event. Raises
        RefundRejected(problems), ApprovalRequired(rules), AuthError for a bad approval,
        NoSuchCashier for a cashier not on the staff list.

        A request with the ``request_key`` of a stored refund returns that refund. When the
        reply to COMMIT is lost, raises OutcomeUnknown (params: ``request_key``): the refund
        may be stored; :meth:`find_by_request_key` tells once the database answers."""
        return refunds.commit(self.engine, request, cashier_id, approval, clock=self.clock,
                              policy=self.policy, till_id=self.till_id, store=self.store,
                              training=self.training, new_key=self.new_key)

    @guarded
    def process(self, refund_no: str, progress: Progress | None = None) -> RefundView:
        """Send the refund's pending legs to the gateway, record the results."""
        return legs.process(self.engine, self.gateway, self.clock, refund_no, self.store,
                            progress)

    @guarded
    def retry(self, refund_no: str, progress: Progress | None = None) -> RefundView:
        """Retry failed or unknown legs with the same idempotency keys. Raises
        RefundRejected (caps gone; over the approval threshold without an approver) and
        OutcomeUnknown when the reply to its COMMIT was lost: :meth:`check_refund` tells."""
        return legs.retry(self.engine, self.gateway, self.clock, refund_no, self.store,
                          progress, policy=self.policy)

    @guarded
    def check_refund(self, refund_no: str) -> RefundView:
        """The refund as stored, read under its sale's lock: final after a lost reply."""
        return legs.refund_locked(self.engine, refund_no, self.store)

    @guarded
    def sweep(self) -> list[RefundView]:
        """Settle every leg that is not final (at start and periodically). Pending and sent
        legs younger than ``sweep_grace`` are left to the till sending them, except, at this
        till's first sweep (its start), its own: its earlier run is gone."""
        own = None if self._swept else self.till_id
        views = legs.sweep(self.engine, self.gateway, self.clock, self.store,
                           grace=self.sweep_grace, own_till=own)
        self._swept = True
        return views

    @guarded
    def find_by_request_key(self, request_key: str, receipt_no: str) -> RefundView | None:
        """The refund stored under ``request_key`` (a refund of the sale ``receipt_no``), or
        None when it surely is not: read under the sale's lock, so a commit whose reply was
        lost and that the server is still finishing is waited for (in bounds: when the lock
        cannot be had in time, StoreUnavailable, and the answer stays unknown)."""
        return refunds.find_by_request_key(self.engine, receipt_no, request_key, self.store)

    @guarded
    def get_refund(self, refund_no: str) -> RefundView:
        with read_tx(self.engine) as session:
            return sales.get_refund(session, refund_no, self.store)

    @guarded
    def journal(self, day: date | None = None) -> list[RefundView]:
        """Refunds created on the till's local day (default today), newest first."""
        return _journal.journal(self.engine, self.clock.now(), day, self.store)

    @guarded
    def unprinted(self) -> list[RefundView]:
        """This till's refunds whose voucher was never printed (offered at sign-in)."""
        return _journal.unprinted(self.engine, self.clock.now(), self.store, self.till_id)

    @guarded
    def shift_report(self, day: date | None = None) -> ShiftReport:
        return _journal.shift_report(self.engine, self.clock.now(), day, self.store)

    @guarded
    def mark_printed(self, refund_no: str, *, reprint: bool, ok: bool, detail: str = "",
                     cashier_id: str | None = None) -> None:
        _journal.mark_printed(self.engine, self.clock.now(), refund_no, cashier_id,
                              reprint=reprint, ok=ok, detail=detail)
