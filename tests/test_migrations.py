"""The Alembic migrations: they build exactly models.py, on SQLite and PostgreSQL, cheaply."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from cashier_tui.storage import models  # noqa: F401 - registers the tables
from cashier_tui.storage.db import DatabaseError, make_engine
from cashier_tui.storage.migrate import HEAD, alembic_config, current_revision, upgrade

TABLES = set(SQLModel.metadata.tables)


def _diff(engine) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, SQLModel.metadata)


def _add_event(conn) -> None:
    conn.execute(text("INSERT INTO audit_event (at, kind, detail) "
                      "VALUES ('2026-11-20 06:00:00', 'sign_in', '{}')"))


@pytest.fixture
def fresh(tmp_path: Path):
    eng = make_engine(tmp_path / "fresh.db")
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine(pg_server, request):
    eng = make_engine(pg_server.create_database(f"mig_{request.node.name[:40].lower()}"))
    yield eng
    eng.dispose()


def test_head_constant_is_the_newest_revision():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD


def test_fresh_database_gets_every_table(fresh):
    assert current_revision(fresh) is None
    upgrade(fresh)
    assert set(inspect(fresh).get_table_names()) == TABLES | {"alembic_version"}
    assert current_revision(fresh) == HEAD


def test_upgrade_is_idempotent(fresh):
    upgrade(fresh)
    with fresh.begin() as conn:
        _add_event(conn)
    upgrade(fresh)
    upgrade(fresh)
    with fresh.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_migrated_schema_matches_models_exactly(fresh):
    upgrade(fresh)
    assert _diff(fresh) == []


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET kind = 'refund'",
    "DELETE FROM audit_event",
])
def test_audit_log_is_append_only(fresh, statement):
    upgrade(fresh)
    with fresh.begin() as conn:
        _add_event(conn)
    with pytest.raises(DBAPIError, match="append-only"), fresh.begin() as conn:
        conn.execute(text(statement))
    with fresh.connect() as conn:
        assert conn.execute(text("SELECT kind FROM audit_event")).scalars().all() == ["sign_in"]


def test_downgrade_and_upgrade_again(fresh):
    from alembic import command

    upgrade(fresh)
    cfg = alembic_config()
    with fresh.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(inspect(fresh).get_table_names()) == {"alembic_version"}
    upgrade(fresh)
    assert _diff(fresh) == []


def test_unknown_revision_is_a_clear_error(fresh):
    upgrade(fresh)
    with fresh.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseError, match="upgrade cashier-tui"):
        upgrade(fresh)


def test_database_at_head_never_imports_alembic(fresh, tmp_path):
    upgrade(fresh)
    code = (
        "import sys\n"
        "from cashier_tui.storage.db import make_engine\n"
        "from cashier_tui.storage.migrate import upgrade\n"
        f"upgrade(make_engine({str(tmp_path / 'fresh.db')!r}))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_migrations_ship_with_the_package():
    from cashier_tui.storage.migrate import MIGRATIONS_DIR

    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert not list(MIGRATIONS_DIR.glob("*.ini"))  # the Config is built in code


@pytest.mark.postgres
def test_postgres_schema_matches_models(pg_engine):
    upgrade(pg_engine)
    upgrade(pg_engine)
    assert current_revision(pg_engine) == HEAD
    assert set(inspect(pg_engine).get_table_names()) == TABLES | {"alembic_version"}
    assert _diff(pg_engine) == []


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET kind = 'refund'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
])
def test_postgres_audit_log_is_append_only(pg_engine, statement):
    upgrade(pg_engine)
    with pg_engine.begin() as conn:
        _add_event(conn)
    with pytest.raises(DBAPIError, match="append-only"), pg_engine.begin() as conn:
        conn.execute(text(statement))
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar() == 1
