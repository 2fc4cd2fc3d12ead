"""Engines and transactions for SQLite (one till) and PostgreSQL (a store of tills).

Every write goes through :func:`write_tx` (the refund commit through its prepared twin,
``prepared.write_tx``): on SQLite it is ``BEGIN IMMEDIATE`` (the write lock is taken before
the first read, so a read-check-write cannot race another till); on PostgreSQL callers lock
the sale row with ``SELECT ... FOR UPDATE`` (see ``lock_sale``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlmodel import Session, select

from ..files import private_dir, private_file
from .models import Sale
from .prepared import CommitOutcomeUnknown, commit_rolled_back

# How long a writer waits for another till's lock before giving up with a clear message.
SQLITE_BUSY_TIMEOUT_S = 5.0
# PostgreSQL, set by the server on every till connection: a lock wait gives up as SQLite's
# does ("busy", rolled back), and a transaction left open by a till that lost its connection
# (the server never heard COMMIT nor a close) is ended by the server, releasing its locks.
PG_LOCK_TIMEOUT_MS = int(SQLITE_BUSY_TIMEOUT_S * 1000)
PG_IDLE_IN_TRANSACTION_MS = 30_000


class DatabaseError(RuntimeError):
    """The database cannot be used; the message says what to do."""


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("cashier-tui", appauthor=False) / "cashier.db"


def normalise_url(db: str | os.PathLike[str] | None) -> str:
    """A path becomes an SQLite URL; a URL is checked; nothing means the default file."""
    if db is None or str(db) == "":
        return f"sqlite:///{default_db_path()}"
    value = str(db)
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise DatabaseError(f"'{value}' is not a database URL or a file path") from exc
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(f"unsupported database '{url.get_backend_name()}': use SQLite or "
                            "PostgreSQL (postgresql+psycopg://user@host/db)")
    return value


def display_url(url: str) -> str:
    """The URL with any password hidden, for --help, logs and the config command."""
    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return
    path = Path(database)
    private_dir(path.parent)
    if not path.exists():
        # Created 0600 before SQLite opens it: the file holds staff names and PIN hashes.
        private_file(path)


def make_engine(db: str | os.PathLike[str] | None = None, *, echo: bool = False) -> Engine:
    url = normalise_url(db)
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False,
                                          "timeout": SQLITE_BUSY_TIMEOUT_S},
        )
        _install_sqlite_locking(engine)
    else:
        engine = create_engine(
            url, echo=echo, pool_pre_ping=True,
            connect_args={"connect_timeout": 5, "options": (
                f"-c lock_timeout={PG_LOCK_TIMEOUT_MS} "
                f"-c idle_in_transaction_session_timeout={PG_IDLE_IN_TRANSACTION_MS} "
                # a till gone from the network: the server notices within about a minute
                "-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 "
                "-c tcp_keepalives_count=3")},
        )
    return engine


def _install_sqlite_locking(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None  # pysqlite must not emit BEGIN of its own
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # pragma: no cover - exercised by every test
        mode = conn.info.pop("begin_mode", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_tx(engine: Engine) -> Iterator[Session]:
    """One short write transaction, committed when the block ends, rolled back on error.

    On SQLite it starts with ``BEGIN IMMEDIATE``. Callers ``flush()``, never ``commit()``.
    Raises ``prepared.CommitOutcomeUnknown`` when COMMIT failed in a way that may have
    stored the transaction (never a plain "nothing was changed" error then).
    """
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn.info["begin_mode"] = "IMMEDIATE"
        tx = conn.begin()
        with tx, Session(bind=conn, expire_on_commit=False) as session:
            yield session
            session.flush()
            dbapi_conn = conn.connection.dbapi_connection
            try:
                tx.commit()
            except DBAPIError as exc:  # as ``prepared.write_tx``: one rule for both paths
                if commit_rolled_back(engine.dialect, dbapi_conn, exc.orig):
                    _roll_back(dbapi_conn)  # SQLite: still open, and SQLAlchemy leaves it so
                    raise
                raise CommitOutcomeUnknown(exc) from exc


def _roll_back(dbapi_conn) -> None:
    with contextlib.suppress(Exception):  # the COMMIT's own error is the one to raise
        dbapi_conn.rollback()


@contextmanager
def read_tx(engine: Engine) -> Iterator[Session]:
    """A read-only session (a DEFERRED snapshot on SQLite: readers never block writers)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.rollback()


def lock_sale(session: Session, sale_id: int) -> Sale:
    """Load the sale locked for update: a row lock on PostgreSQL; on SQLite the
    ``BEGIN IMMEDIATE`` of :func:`write_tx` already holds the database's write lock."""
    return session.exec(select(Sale).where(Sale.id == sale_id).with_for_update()).one()
