"""Bring a database to the current schema. (Alembic-backed: see issue 2, part 3.)"""

from __future__ import annotations

from sqlalchemy import Engine


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to head. Safe to call on every start."""
    from sqlmodel import SQLModel

    from . import models  # noqa: F401 - registers the tables

    SQLModel.metadata.create_all(engine)
