"""Time comes from a clock object, so demo mode and tests run on a fixed date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""


@dataclass
class SystemClock:
    """The real time, in the store's time zone (``zone``; None: the machine's), so refund
    numbers, voucher times and the screens all use the store's day and hour."""

    zone: tzinfo | None = None

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone(self.zone)


@dataclass
class FixedClock:
    """A clock that stands still (demo mode, snapshots) unless a test moves it."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.at = self.at + timedelta(**delta)
