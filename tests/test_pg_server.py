"""The throwaway PostgreSQL server starts, takes the schema and enforces the caps."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from cashier_tui.storage.db import make_engine
from cashier_tui.storage.migrate import upgrade

pytestmark = pytest.mark.postgres


def test_schema_and_cap_constraint_on_postgres(pg_server):
    engine = make_engine(pg_server.create_database("schema_check"))
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO sale (receipt_no, sold_at, utc_offset_min, store, till, cashier, "
            "currency, status, total, refunded, in_flight, source_hash) VALUES "
            "('PG1', now(), 480, 'S01', 'T01', 'C1', 'CNY', 'completed', 1000, 0, 0, 'x')"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE sale SET refunded = 900, in_flight = 200 "
                          "WHERE receipt_no = 'PG1'"))
    engine.dispose()
