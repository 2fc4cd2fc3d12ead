"""Alembic environment.

At run time :func:`cashier_tui.storage.migrate.upgrade` builds the Config in code and hands
over an open connection (``config.attributes["connection"]``) already inside a transaction,
so the whole upgrade commits or rolls back as one. For developers, ``alembic`` on the command
line works too (``-x db=URL`` or ``CASHIER_TUI_DB``), e.g. to autogenerate a new revision:

    .venv/bin/python -m cashier_tui.storage.migrate revision -m "add column" --db /tmp/x.db
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from cashier_tui.storage import models  # noqa: F401 - registers the tables

config = context.config
target_metadata = SQLModel.metadata


def _render_item(type_, obj, autogen_context):
    """Write sqlmodel's AutoString as plain ``sa.String``: revisions never import sqlmodel."""
    from sqlmodel.sql.sqltypes import AutoString

    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length!r})"
    return False


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from cashier_tui.storage.db import make_engine

    db = context.get_x_argument(as_dictionary=True).get("db") or config.get_main_option("db")
    engine = make_engine(db)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them on a database")
run_migrations_online()
