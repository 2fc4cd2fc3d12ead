"""Bring a database to the current schema with the Alembic revisions in ``migrations/``.

:func:`upgrade` runs on every start, so it first reads ``alembic_version`` with plain SQL and
returns at once when the database is already at :data:`HEAD`: Alembic (and Mako) are imported
only when there is something to do, which keeps them off the start path (DESIGN.md §10).

A new revision (after adding a column to ``models.py``)::

    .venv/bin/python -m cashier_tui.storage.migrate revision -m "refund: add till column"

autogenerates it against a scratch database at head; check it, then set :data:`HEAD`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine

from .db import DatabaseError, is_sqlite

# The newest revision in migrations/versions. Keep in step with the files there (a test does).
HEAD = "0004"

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Two tills upgrading one PostgreSQL database at once take turns on this advisory lock.
_PG_LOCK_KEY = 0x6361736869657231


def current_revision(engine: Engine) -> str | None:
    """The database's revision, or None for a database Alembic never touched."""
    with engine.connect() as conn:
        return _revision(conn)


def _revision(conn: Connection) -> str | None:
    if conn.dialect.name == "sqlite":
        found = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).first()
    else:
        found = conn.exec_driver_sql("SELECT to_regclass('alembic_version')").scalar()
    if not found:
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` (head). Safe and cheap on every start."""
    if revision == "head" and current_revision(engine) == HEAD:
        return
    from alembic import command
    from alembic.util import CommandError

    cfg = alembic_config()
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn.info["begin_mode"] = "IMMEDIATE"  # one till at a time upgrades the file
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
            cfg.attributes["connection"] = conn
            try:
                command.upgrade(cfg, revision)
            except CommandError as exc:
                found = _revision(conn)
                raise DatabaseError(
                    f"the database is at schema revision {found!r}, which this version of "
                    f"cashier-tui does not know (it knows up to {HEAD!r}): upgrade cashier-tui"
                ) from exc


def alembic_config():
    """The Alembic Config, built in code: no alembic.ini is needed at run time."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def revision(message: str, rev_id: str | None = None) -> None:
    """Autogenerate a revision from the difference between head and ``models.py``."""
    import tempfile

    from alembic import command

    from .db import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Path(tmp) / "scratch.db")
        upgrade(engine)
        cfg = alembic_config()
        with engine.connect() as conn, conn.begin():
            cfg.attributes["connection"] = conn
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
        engine.dispose()


def _main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cashier_tui.storage.migrate")
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision", help="autogenerate a revision from models.py")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--rev-id", help="e.g. 0002 (the default is a random id)")
    args = parser.parse_args(argv)
    revision(args.message, args.rev_id)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
