"""What the services hand to screens, printers and the command line: plain frozen values.

Screens and printers never see a database row; they see these. Every amount is integer minor
units of ``currency``. Problems and approval rules are *codes* with parameters, so each UI
language words them itself; ``message`` is the English wording for the CLI and the logs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

PAYMENT_METHODS = ("card", "wechat", "alipay", "unionpay_qr", "cash")
REASONS = (
    "defective", "wrong_item", "not_as_described", "changed_mind",
    "price_adjustment", "duplicate_charge", "transaction_error", "other",
)
RefundKind = Literal["full", "items", "amount"]
Payout = Literal["original", "cash"]
LegState = Literal["pending", "sent", "unknown", "succeeded", "failed"]
FINAL_LEG_STATES = frozenset({"succeeded", "failed"})

# Approval rule codes (DESIGN.md §5)
RULE_OVER_THRESHOLD = "over_threshold"
RULE_OUTSIDE_WINDOW = "outside_window"
RULE_CASH_FOR_NON_CASH = "cash_for_non_cash"


@dataclass(frozen=True, slots=True)
class Problem:
    """Why something cannot be done. ``field`` names the input it belongs next to."""

    code: str
    message: str
    field: str | None = None
    # ``dataclasses.field`` by its full name: the attribute ``field`` above shadows it here.
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LineView:
    line_id: int
    line_no: int
    sku: str
    name: str
    qty: int
    unit_price: int
    discount: int
    net: int
    refunded_qty: int
    in_flight_qty: int
    refunded_amount: int
    in_flight_amount: int = 0  # per-unit amounts held by refunds not yet final

    @property
    def refundable_qty(self) -> int:
        return self.qty - self.refunded_qty - self.in_flight_qty


@dataclass(frozen=True, slots=True)
class TenderView:
    tender_id: int
    seq: int
    method: str
    amount: int
    refunded: int
    in_flight: int
    settled: bool
    reference: str | None = None
    card_last4: str | None = None

    @property
    def refundable(self) -> int:
        return self.amount - self.refunded - self.in_flight

    @property
    def masked(self) -> str:
        """How a person sees the tender's reference: ``****4321`` for a card."""
        if self.card_last4:
            return f"****{self.card_last4}"
        if self.reference:
            return f"…{self.reference[-4:]}" if len(self.reference) > 4 else self.reference
        return ""


@dataclass(frozen=True, slots=True)
class SaleView:
    sale_id: int
    receipt_no: str
    sold_at: datetime  # aware, in the offset the sale was made in
    store: str
    till: str
    cashier: str
    currency: str
    status: str  # completed | voided
    total: int
    refunded: int
    in_flight: int
    lines: tuple[LineView, ...]
    tenders: tuple[TenderView, ...]
    age_days: int  # whole days from sold_at to the till's clock
    window_days: int  # the policy's refund window

    @property
    def refundable(self) -> int:
        return sum(t.refundable for t in self.tenders)

    @property
    def voided(self) -> bool:
        return self.status == "voided"

    @property
    def fully_refunded(self) -> bool:
        return not self.voided and self.refundable == 0

    @property
    def days_outside_window(self) -> int:
        return max(0, self.age_days - self.window_days)


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """What the cashier chose. ``items`` maps line_id -> quantity for kind ``items``."""

    receipt_no: str
    kind: RefundKind
    payout: Payout = "original"
    reason: str = ""
    reason_text: str | None = None
    note: str | None = None
    items: Mapping[int, int] = dataclasses.field(default_factory=dict)
    amount: int | None = None  # minor units, for kind ``amount``
    # line_id -> restock (default True)
    restock: Mapping[int, bool] = dataclasses.field(default_factory=dict)
    # Made once per refund attempt, before the commit (``Till.request_key``), and kept on
    # every repeat of that commit: the refund stored under it is found instead of a second.
    request_key: str | None = None


@dataclass(frozen=True, slots=True)
class QuoteLine:
    line_id: int
    name: str
    qty: int
    amount: int


@dataclass(frozen=True, slots=True)
class QuoteLeg:
    tender_id: int
    method: str  # the tender's method
    payout: str  # how the money goes back: the tender's method, or cash
    action: str  # refund | void | cash
    amount: int
    masked: str = ""


@dataclass(frozen=True, slots=True)
class Quote:
    """What a request would refund, or why it cannot be done. Nothing is written."""

    currency: str
    amount: int
    lines: tuple[QuoteLine, ...]
    legs: tuple[QuoteLeg, ...]
    approvals: tuple[str, ...]  # approval rule codes that this refund triggers
    problems: tuple[Problem, ...]
    lines_amount: int = 0  # what the lines are worth; above ``amount`` when capped by the sale

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def needs_approval(self) -> bool:
        return bool(self.approvals)


@dataclass(frozen=True, slots=True)
class Approval:
    manager_id: str
    pin: str


# Why a leg is not refunded (yet), as a code each UI language words itself; ``error`` is
# the provider's own text, in whatever language the provider speaks.
LEG_ERROR_CODES = {
    "failed": "declined",  # the provider refused it (a retry may go through)
    "unknown": "timeout",  # no answer (timeout, network); the provider is asked again
    "sent": "timeout",  # sent and never answered (the till stopped waiting)
}


@dataclass(frozen=True, slots=True)
class LegView:
    leg_id: int
    tender_id: int
    method: str
    payout: str
    action: str
    amount: int
    state: str
    idempotency_key: str
    attempts: int
    masked: str = ""
    error: str | None = None

    @property
    def error_code(self) -> str | None:
        """``declined`` | ``timeout`` | None, from the leg's state (the gateway's outcome
        as recorded: failed, or unknown after a timeout or an unanswered query)."""
        return LEG_ERROR_CODES.get(self.state)


@dataclass(frozen=True, slots=True)
class RefundLineView:
    line_id: int
    sku: str
    name: str
    qty: int
    amount: int
    restock: bool


@dataclass(frozen=True, slots=True)
class RefundView:
    refund_no: str
    receipt_no: str
    created_at: datetime
    kind: str
    payout: str
    amount: int
    currency: str
    reason: str
    reason_text: str | None
    note: str | None
    cashier: str
    approver: str | None
    approval_rules: tuple[str, ...]
    status: str  # pending | completed | partial | failed
    lines: tuple[RefundLineView, ...]
    legs: tuple[LegView, ...]
    training: bool = False
    printed: bool = False
    print_count: int = 0
    store: str = ""
    till: str = ""

    @property
    def final(self) -> bool:
        return all(leg.state in FINAL_LEG_STATES for leg in self.legs)

    @property
    def cash_paid(self) -> int:
        return sum(leg.amount for leg in self.legs
                   if leg.payout == "cash" and leg.state == "succeeded")


@dataclass(frozen=True, slots=True)
class CashierView:
    cashier_id: str
    name: str
    role: str  # cashier | manager

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


@dataclass(frozen=True, slots=True)
class ShiftReport:
    day: str
    currency: str
    count: int
    total: int  # refunded (voids are not refunds: they are in ``voided``)
    by_method: Mapping[str, int]  # payout method -> amount refunded (succeeded legs)
    cash_paid_out: int
    pending: int  # refunds not yet final
    failed: int
    # tender method -> amount voided (an unsettled payment cancelled, never refunded)
    voided: Mapping[str, int] = dataclasses.field(default_factory=dict)
