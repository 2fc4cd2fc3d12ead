"""The refund policy (DESIGN.md §5). Values come from settings; these are the defaults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Policy:
    window_days: int = 30  # refunds later than this need a manager
    approval_threshold: int = 50000  # minor units; refunds above this need a manager
    gateway_max_days: int = 365  # providers refuse refunds older than this: cash only
    max_pin_failures: int = 5
    lockout_minutes: int = 5
    self_approval: bool = False  # whether a manager may approve their own refund
