"""Errors the services raise. Each carries a message a cashier can act on (in English; the
screens word them per language from ``code`` and ``params``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the views stay off the start path
    from .views import Problem


class TillError(Exception):
    code = "error"

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params: Mapping[str, object] = params


class NotAReceipt(TillError):
    """The scanned text is not a receipt number or a refund code."""

    code = "not_a_receipt"


class SaleNotFound(TillError):
    code = "sale_not_found"


class RefundNotFound(TillError):
    code = "refund_not_found"


class RefundRejected(TillError):
    """The refund cannot be made; ``problems`` says why, field by field."""

    code = "refund_rejected"

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class ApprovalRequired(TillError):
    code = "approval_required"

    def __init__(self, rules: tuple[str, ...]) -> None:
        super().__init__("a manager must approve this refund: " + ", ".join(rules))
        self.rules = rules


class AuthError(TillError):
    code = "auth"


class UnknownCashier(AuthError):
    code = "unknown_cashier"


class WrongPin(AuthError):
    code = "wrong_pin"

    def __init__(self, message: str, remaining: int) -> None:
        super().__init__(message, remaining=remaining)
        self.remaining = remaining


class AccountLocked(AuthError):
    code = "locked"

    def __init__(self, message: str, until: datetime, role: str = "cashier") -> None:
        super().__init__(message, until=until, role=role)
        self.until = until
        self.role = role  # a locked manager is told to ask another manager


class NotAManager(AuthError):
    code = "not_manager"


class SelfApproval(AuthError):
    """A manager approving their own refund (refused unless ``policy.self_approval``)."""

    code = "self_approval"


class StoreUnavailable(TillError):
    """The database cannot be reached or stays locked by another till."""

    code = "store_unavailable"


class OutcomeUnknown(TillError):
    """The connection broke while the database was committing (or after it had): the change
    may be stored or not. Never say "nothing was changed": look it up by its key first.
    Not a ``StoreUnavailable``: whoever treats that as "nothing happened, try again" must
    not treat this so."""

    code = "outcome_unknown"


class ResultNotRecorded(TillError):
    """The provider answered about a leg (it may have refunded it) but the database could
    not record the answer. The leg stays sent and reserved; a sweep or a retry asks the
    provider again with the same key and records it. Never "nothing was changed"."""

    code = "result_not_recorded"


class NoSuchCashier(TillError):
    """A refund made in the name of a cashier who is not (or no longer) on the staff list."""

    code = "no_such_cashier"


class DiskFull(StoreUnavailable):
    """The database's disk (or SQLite's page limit) is full: the write was rolled back."""

    code = "disk_full"


class GatewayError(TillError):
    code = "gateway"


class Conflict(TillError):
    """The database refused a change because the sale changed meanwhile; nothing was written."""

    code = "conflict"


class RefundCodeMismatch(TillError):
    """A refund QR whose amount or currency differ from the stored refund (altered or stale)."""

    code = "invalid_refund_code"
