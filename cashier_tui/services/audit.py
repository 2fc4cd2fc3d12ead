"""The append-only audit log (DESIGN.md §6): sign-in, refund, approval, print, export.

Events are only ever inserted; the migration adds triggers that refuse UPDATE and DELETE on
``audit_event``. ``detail`` is JSON and must never hold a PIN, a secret or a card number:
callers pass only ids, codes and amounts, and what a person typed (an unknown cashier id may
be a swiped card) goes through the card-number detector before it is stored.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from ..domain.cardnumbers import redact
from ..storage.models import AuditEvent
from .common import to_utc

MAX_DETAIL = 2000  # the column's length


def _encode(detail: dict[str, object]) -> str:
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str,
                      separators=(",", ":"))
    if len(text) <= MAX_DETAIL:
        return text
    # Too long for the column: keep the keys and short values, say that it was cut.
    short = {k: (v if len(json.dumps(v, default=str)) <= 80 else "…")
             for k, v in detail.items()}
    short["truncated"] = True
    text = json.dumps(short, ensure_ascii=False, sort_keys=True, default=str,
                      separators=(",", ":"))
    return text[:MAX_DETAIL]


def record(session: Session, kind: str, actor: str | None, at: datetime,
           refund_no: str | None = None, **detail: object) -> None:
    """Append one audit event in ``session``'s transaction (it commits with the change).

    ``detail`` becomes the event's JSON: ids, codes and amounts only (its keys cannot be this
    function's own parameter names).
    """
    detail = {k: redact(v) if isinstance(v, str) else v for k, v in detail.items()}
    session.add(AuditEvent(
        at=to_utc(at), actor=(redact(actor)[:20] if actor else actor), kind=kind[:24],
        refund_no=refund_no, detail=_encode(detail),
    ))
