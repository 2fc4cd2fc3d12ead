"""The port every payment provider adapter implements (DESIGN.md §1, §6)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

Outcome = Literal["succeeded", "failed", "unknown", "not_found"]


@dataclass(frozen=True, slots=True)
class GatewayRequest:
    idempotency_key: str  # made once per leg, reused on every retry and query
    action: Literal["refund", "void"]
    method: str  # card | wechat | alipay | unionpay_qr
    reference: str | None  # the original payment's reference at the provider
    amount: int  # minor units
    currency: str
    refund_no: str


@dataclass(frozen=True, slots=True)
class GatewayResult:
    outcome: Outcome  # unknown: timeout or network error — query later with the same key
    gateway_ref: str | None = None
    error: str | None = None  # plain words for the cashier when failed or unknown


class RefundGateway(ABC):
    """A provider that can refund or void a payment. Calls block; run them in workers."""

    name: str = "gateway"

    @abstractmethod
    def submit(self, request: GatewayRequest) -> GatewayResult:
        """Refund or void once per idempotency key; a repeated key returns the first result."""

    @abstractmethod
    def query(self, idempotency_key: str) -> GatewayResult:
        """What became of an earlier submit (``not_found`` if the provider never saw it)."""
