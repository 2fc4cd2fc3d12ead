"""The facade the screens use. Implementation lives in the sibling modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from ..clock import Clock
from ..domain.policy import Policy
from ..domain.views import (
    Approval, CashierView, Quote, RefundRequest, RefundView, SaleView, ShiftReport,
)
from ..gateways.base import RefundGateway

# progress(step, detail): step in "saving", "sending", "waiting", "recording", "done"
Progress = Callable[[str, str], None]


@dataclass
class Till:
    engine: Engine
    gateway: RefundGateway
    clock: Clock
    policy: Policy = Policy()
    store: str = "S01"
    till_id: str = "T01"
    training: bool = False

    # --- people -----------------------------------------------------------------------
    def sign_in(self, cashier_id: str, pin: str) -> CashierView:
        """Raises UnknownCashier, WrongPin(remaining), AccountLocked(until)."""
        raise NotImplementedError

    def check_approval(self, approval: Approval, rules: tuple[str, ...]) -> CashierView:
        """A manager's id and PIN; raises AuthError subclasses or NotAManager."""
        raise NotImplementedError

    # --- sales ------------------------------------------------------------------------
    def lookup(self, code: str) -> SaleView | RefundView:
        """A scan: a receipt number (-> SaleView) or a refund code/QR (-> RefundView).
        Raises NotAReceipt, SaleNotFound, RefundNotFound."""
        raise NotImplementedError

    def get_sale(self, receipt_no: str) -> SaleView:
        raise NotImplementedError

    def find_sales(self, *, date_from: date | None = None, date_to: date | None = None,
                   amount: int | None = None, card_last4: str | None = None,
                   limit: int = 50) -> list[SaleView]:
        raise NotImplementedError

    # --- refunds ----------------------------------------------------------------------
    def quote(self, request: RefundRequest) -> Quote:
        """What the request would refund, or its problems. Writes nothing."""
        raise NotImplementedError

    def commit(self, request: RefundRequest, cashier_id: str,
               approval: Approval | None = None) -> RefundView:
        """Atomically write refund, lines, legs (in flight) and audit event. Raises
        RefundRejected(problems), ApprovalRequired(rules), AuthError for a bad approval."""
        raise NotImplementedError

    def process(self, refund_no: str, progress: Progress | None = None) -> RefundView:
        """Send the refund's pending legs to the gateway, record the results."""
        raise NotImplementedError

    def retry(self, refund_no: str, progress: Progress | None = None) -> RefundView:
        """Retry failed or unknown legs with the same idempotency keys."""
        raise NotImplementedError

    def sweep(self) -> list[RefundView]:
        """Settle every leg that is not final (at start and periodically)."""
        raise NotImplementedError

    def get_refund(self, refund_no: str) -> RefundView:
        raise NotImplementedError

    def journal(self, day: date | None = None) -> list[RefundView]:
        raise NotImplementedError

    def shift_report(self, day: date | None = None) -> ShiftReport:
        raise NotImplementedError

    def mark_printed(self, refund_no: str, *, reprint: bool, ok: bool, detail: str = "") -> None:
        raise NotImplementedError
