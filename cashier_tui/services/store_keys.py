"""The store's refund-QR keys, shared by every till through the database (issue 17.8).

Every till of a store (and the store server) reads the same ``store_key`` rows, so a voucher
printed at one till verifies at any other. The key with the highest generation signs, every
key verifies: :func:`rotate` adds a generation and old vouchers stay valid.

- The first till to start creates generation 1 with ``INSERT ... ON CONFLICT DO NOTHING``
  and reads the table back: two tills starting at once end up with the same key.
- A till that still has the per-installation secret file of an older version adds it as a
  verify-only key (``file-`` and 12 hex of its SHA-256), so what it printed before verifies
  at every till. The file is read, never created any more.

Secrets are never logged or audited; only key ids are.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select

from ..clock import Clock, SystemClock
from ..qrpayload import SECRET_BYTES, RefundCodec, read_secret_if_any
from ..storage.db import read_tx, write_tx
from ..storage.models import StoreKey
from . import audit
from .common import to_utc

log = logging.getLogger("cashier_tui.store_keys")


def _insert_if_absent(conn: Connection, key_id: str, generation: int | None, secret: bytes,
                      clock: Clock) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    conn.execute(dialect_insert(StoreKey).values(
        key_id=key_id, generation=generation, secret=secret.hex(),
        created_at=to_utc(clock.now())).on_conflict_do_nothing())


def _keys(conn_or_session) -> list[tuple[str, int | None, bytes]]:
    rows = conn_or_session.execute(select(StoreKey.key_id, StoreKey.generation,
                                          StoreKey.secret)).all()
    # The newest generation first (it signs), then the older ones, then former file secrets.
    rows.sort(key=lambda r: (r.generation is None, -(r.generation or 0), r.key_id))
    return [(r.key_id, r.generation, bytes.fromhex(r.secret)) for r in rows]


def file_key_id(secret: bytes) -> str:
    return "file-" + hashlib.sha256(secret).hexdigest()[:12]


def load_keys(engine: Engine, clock: Clock | None = None,
              legacy_file: Path | None = None) -> list[bytes]:
    """The store's keys, the signing key first; made (and the old file added) if needed."""
    clock = clock or SystemClock()
    legacy = read_secret_if_any(legacy_file)
    with read_tx(engine) as session:
        keys = _keys(session)
    has_signing = any(gen is not None for _, gen, _ in keys)
    legacy_known = legacy is None or any(key_id == file_key_id(legacy) for key_id, _, _ in keys)
    if has_signing and legacy_known:
        return [secret for _, _, secret in keys]
    with write_tx(engine) as session:
        conn = session.connection()
        if not has_signing:
            _insert_if_absent(conn, "k1", 1, os.urandom(SECRET_BYTES), clock)
        if not legacy_known:
            _insert_if_absent(conn, file_key_id(legacy), None, legacy, clock)
        keys = _keys(conn)
    log.info("refund QR keys of the store: %s", ", ".join(k for k, _, _ in keys))
    return [secret for _, _, secret in keys]


def rotate(engine: Engine, clock: Clock | None = None, actor: str | None = None) -> str:
    """A new signing key (the next generation); every older key still verifies. Audited."""
    clock = clock or SystemClock()
    load_keys(engine, clock)
    with write_tx(engine) as session:
        conn = session.connection()
        newest = max(gen for _, gen, _ in _keys(conn) if gen is not None)
        key_id = f"k{newest + 1}"
        conn.execute(insert(StoreKey).values(key_id=key_id, generation=newest + 1,
                                             secret=os.urandom(SECRET_BYTES).hex(),
                                             created_at=to_utc(clock.now())))
        audit.record(session, "secret_rotated", actor, clock.now(), key_id=key_id,
                     previous=f"k{newest}")
    log.info("refund QR key rotated: %s signs from now on", key_id)
    return key_id


def store_codec(engine: Engine, url_base: str | None = None, *, clock: Clock | None = None,
                legacy_file: Path | None = None) -> RefundCodec:
    """The refund QR codec of the store: signs with its newest key, verifies with all, and
    reads the keys again when a code verifies with none (another till rotated)."""
    keys = load_keys(engine, clock, legacy_file)

    def reload() -> list[bytes]:
        with read_tx(engine) as session:
            return [secret for _, _, secret in _keys(session)]

    return RefundCodec(keys, url_base, reload=reload)
