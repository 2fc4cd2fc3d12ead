"""A deterministic payment provider for demo mode and tests.

It behaves like a real provider where it matters for integrity: it keeps its own ledger of
what it really refunded, keyed by idempotency key, and a key that succeeded never refunds
again. The ledger is an SQLite database — in memory by default, or a file (``ledger_path``)
shared by several processes, which survives a process killed with ``kill -9``.

Behaviour is scripted per original payment reference (``script``), else ``default``:

``ok``                    refunds.
``decline``               declines, every time.
``decline_once``          declines a key's first attempt; the same key tried again succeeds.
``timeout_then_success``  records the refund but answers ``unknown`` (the reply was lost);
                          ``query`` then says ``succeeded`` and a resubmit never refunds twice.
``lost_once``             the first call never reaches the provider: ``unknown``, and
                          ``query`` says ``not_found`` until the key is submitted again.
``slow``                  succeeds after ``sleep(slow_seconds)`` (inject ``sleep`` in tests).

``hook(stage, payload)`` injects failures: it is called with ``("submit", request)`` and
``("query", key)`` before the provider acts, and ``("submitted", request)`` after the ledger
is written. Returning a GatewayResult answers with it instead; raising propagates (a network
error, or a simulated crash of the till).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .base import GatewayRequest, GatewayResult, RefundGateway

BEHAVIOURS = ("ok", "decline", "decline_once", "timeout_then_success", "lost_once", "slow")
Hook = Callable[[str, object], GatewayResult | None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger (
    idempotency_key TEXT PRIMARY KEY,
    reference TEXT, action TEXT NOT NULL, method TEXT NOT NULL,
    amount INTEGER NOT NULL, currency TEXT NOT NULL, refund_no TEXT NOT NULL,
    state TEXT NOT NULL,          -- succeeded | declined | lost
    attempts INTEGER NOT NULL, gateway_ref TEXT
)"""


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    idempotency_key: str
    reference: str | None
    action: str
    method: str
    amount: int
    currency: str
    refund_no: str
    state: str  # succeeded | declined | lost
    attempts: int
    gateway_ref: str | None


class SimulatedGateway(RefundGateway):
    name = "simulated"

    def __init__(self, script: Mapping[str, str] | None = None, default: str = "ok", *,
                 ledger_path: str | Path | None = None,
                 sleep: Callable[[float], None] = time.sleep, slow_seconds: float = 3.0,
                 hook: Hook | None = None, paid: Mapping[str, int] | None = None) -> None:
        self.script = dict(script or {})
        for behaviour in [default, *self.script.values()]:
            if behaviour not in BEHAVIOURS:
                raise ValueError(f"unknown behaviour '{behaviour}': one of {BEHAVIOURS}")
        self.default = default
        self.sleep, self.slow_seconds, self.hook = sleep, slow_seconds, hook
        self.paid = dict(paid or {})  # reference -> amount paid: refuse refunding more
        self._lock = threading.RLock()
        target = str(ledger_path) if ledger_path is not None else ":memory:"
        self._db = sqlite3.connect(target, timeout=30, isolation_level=None,
                                   check_same_thread=False)
        if ledger_path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def behaviour(self, reference: str | None) -> str:
        return self.script.get(reference or "", self.default)

    # --- the port -------------------------------------------------------------------------
    def submit(self, request: GatewayRequest) -> GatewayResult:
        if self.hook is not None and (early := self.hook("submit", request)) is not None:
            return early
        behaviour = self.behaviour(request.reference)
        if behaviour == "slow":
            self.sleep(self.slow_seconds)  # outside the ledger lock: others are not held up
        result = self._submit(request, behaviour)
        if self.hook is not None and (late := self.hook("submitted", request)) is not None:
            return late
        return result

    def query(self, idempotency_key: str) -> GatewayResult:
        if self.hook is not None and (early := self.hook("query", idempotency_key)) is not None:
            return early
        entry = self._entry(idempotency_key)
        if entry is None or entry.state == "lost":
            return GatewayResult("not_found")
        if entry.state == "succeeded":
            return GatewayResult("succeeded", gateway_ref=entry.gateway_ref)
        return GatewayResult("failed", error="Declined by the provider.")

    # --- the ledger -----------------------------------------------------------------------
    def _submit(self, request: GatewayRequest, behaviour: str) -> GatewayResult:
        key = request.idempotency_key
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT state, attempts, amount, reference, gateway_ref FROM ledger "
                    "WHERE idempotency_key = ?", (key,)).fetchone()
                result, state = self._decide(request, behaviour, row)
                attempts = (row[1] if row else 0) + 1
                ref = _gateway_ref(key) if state == "succeeded" else None
                if row is None:
                    self._db.execute(
                        "INSERT INTO ledger VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (key, request.reference, request.action, request.method,
                         request.amount, request.currency, request.refund_no, state,
                         attempts, ref))
                elif state is not None:
                    self._db.execute("UPDATE ledger SET state = ?, attempts = ?, gateway_ref "
                                     "= ? WHERE idempotency_key = ?", (state, attempts, ref, key))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if result.outcome == "succeeded" and result.gateway_ref is None:
            result = GatewayResult("succeeded", gateway_ref=_gateway_ref(key))
        return result

    def _decide(self, request: GatewayRequest, behaviour: str,
                row: tuple | None) -> tuple[GatewayResult, str | None]:
        """(answer, new ledger state) for one submit; ``None`` state: leave the row alone."""
        if row is not None:
            state, _attempts, amount, reference, ref = row
            if amount != request.amount or reference != request.reference:
                return GatewayResult("failed", error="The idempotency key was used for a "
                                     "different refund."), None
            if state == "succeeded":  # never twice: answer with the first success
                return GatewayResult("succeeded", gateway_ref=ref), None
            if state == "declined" and behaviour == "decline_once":
                return self._refund(request, retried=True)
            if state == "lost":
                return self._refund(request, retried=True)
        if behaviour in ("decline", "decline_once"):
            return GatewayResult("failed", error="Declined by the provider."), "declined"
        if behaviour == "lost_once" and row is None:
            return GatewayResult("unknown", error="No answer from the provider."), "lost"
        return self._refund(request, retried=row is not None,
                            lost_reply=behaviour == "timeout_then_success")

    def _refund(self, request: GatewayRequest, *, retried: bool,
                lost_reply: bool = False) -> tuple[GatewayResult, str]:
        limit = self.paid.get(request.reference or "")
        if limit is not None and self._refunded(request.reference) + request.amount > limit:
            return GatewayResult("failed", error="The refund exceeds the original "
                                 "payment."), "declined"
        if lost_reply and not retried:
            return GatewayResult("unknown", error="No answer from the provider."), "succeeded"
        return GatewayResult("succeeded"), "succeeded"

    def _refunded(self, reference: str | None) -> int:
        row = self._db.execute("SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE reference IS ? "
                               "AND state = 'succeeded'", (reference,)).fetchone()
        return int(row[0])

    def _entry(self, key: str) -> LedgerEntry | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM ledger WHERE idempotency_key = ?",
                                   (key,)).fetchone()
        return LedgerEntry(*row) if row else None

    # --- for tests and the demo -----------------------------------------------------------
    def ledger(self) -> list[LedgerEntry]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM ledger ORDER BY rowid").fetchall()
        return [LedgerEntry(*row) for row in rows]

    def refunded_total(self, reference: str | None) -> int:
        """What the provider really refunded against one original payment."""
        with self._lock:
            return self._refunded(reference)

    def totals(self) -> dict[str | None, int]:
        """Really refunded, per original payment reference."""
        with self._lock:
            rows = self._db.execute("SELECT reference, SUM(amount) FROM ledger WHERE state = "
                                    "'succeeded' GROUP BY reference ORDER BY reference")
            return {ref: int(total) for ref, total in rows}

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _gateway_ref(key: str) -> str:
    return "SIM-" + hashlib.sha256(key.encode()).hexdigest()[:12].upper()
