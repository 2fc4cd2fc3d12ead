"""The refund commit's prepared statements (cashier_tui/storage/prepared.py) against
SQLAlchemy's own execution, on SQLite and on PostgreSQL: the same values stored and read
back for every column type the commit writes, and the same exceptions (so that
``services.common.guarded`` words a failure alike), the pooled connection invalidated when
the server is gone."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, exc, func, insert, select, text

from cashier_tui.domain.errors import Conflict, StoreUnavailable
from cashier_tui.domain.policy import Policy
from cashier_tui.domain.views import RefundRequest
from cashier_tui.services import refunds, sales
from cashier_tui.services.common import BUSY, CONFLICT, UNREACHABLE, store_error
from cashier_tui.storage import db, prepared
from cashier_tui.storage import models as m
from cashier_tui.storage.db import make_engine, read_tx
from cashier_tui.storage.migrate import upgrade
from tests.engine_fixtures import NOW, L, T, make_sale, make_till
from tests.pg import _free_port

AT = datetime(2026, 11, 20, 7, 5, 9, 123456, tzinfo=UTC)
BIG = 2**40 + 7  # past 32 bits: BIGINT both ways
# One row per table the commit writes (in foreign-key order), with every column type it
# uses: integers, big integers, text (non-ASCII too), NULLs, booleans both ways, times.
ROWS = [
    (m.Sale, {"receipt_no": "R-1", "sold_at": AT, "utc_offset_min": -330, "store": "S01",
            "till": "T01", "cashier": "C001", "currency": "CNY", "status": "completed",
            "total": BIG, "refunded": 0, "in_flight": 5, "source_hash": "ab" * 32}),
    (m.SaleLine, {"sale_id": 1, "line_no": 1, "sku": "6901", "name": "保温杯 500ml", "qty": 3,
                "unit_price": BIG, "discount": 0, "net": BIG, "tax_rate": None,
                "refunded_qty": 0, "in_flight_qty": 1, "refunded_amount": 0,
                "in_flight_amount": 5}),
    (m.Tender, {"sale_id": 1, "seq": 1, "method": "card", "amount": BIG, "reference": None,
              "card_last4": "4321", "settled": False, "refunded": 0, "in_flight": 5}),
    (m.Refund, {"refund_no": "R-T01-261120-0001", "sale_id": 1, "kind": "items",
              "payout": "original", "amount": 5, "currency": "CNY", "reason": "other",
              "reason_text": "écrit à la main", "note": None, "cashier": "C001",
              "approver": "M001", "approval_rules": "over_threshold", "status": "pending",
              "created_at": AT, "training": True, "printed": False, "print_count": 0,
              "request_key": "f" * 32}),
    (m.RefundLine, {"refund_id": 1, "sale_line_id": 1, "qty": 1, "amount": 5,
                  "restock": False}),
    (m.RefundLeg, {"refund_id": 1, "tender_id": 1, "payout": "card", "action": "refund",
                 "amount": 5, "state": "pending", "idempotency_key": "k" * 64,
                 "attempts": 0, "gateway_ref": None, "error": None, "updated_at": AT}),
    (m.AuditEvent, {"at": AT, "actor": None, "kind": "refund", "refund_no": None,
                  "detail": '{"name":"保温杯"}'}),
    (m.RefundCounter, {"scope": "T01-261120", "last": 1}),
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_engine(request, tmp_path):
    """Makes fresh databases at the schema head on the backend of the test's parameter."""
    made = []

    def make():
        name = f"prepared_{len(made)}"
        url = (request.getfixturevalue("pg_server").create_database(name)
               if request.param == "postgresql" else tmp_path / f"{name}.db")
        made.append(make_engine(url))
        upgrade(made[-1])
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


def stored(engine, table) -> list[tuple]:
    """The table as the DBAPI hands it back, no type processing: what is really stored."""
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute(f"SELECT * FROM {table.name} ORDER BY 1")
        return cur.fetchall()
    finally:
        conn.close()


def said(error: exc.DBAPIError) -> tuple[type, str]:
    """What ``guarded`` makes of a database error: its class and its message."""
    worded = store_error(error)
    return type(worded), worded.message


def typed(rows) -> list[list[tuple[type, object]]]:
    """Values with their types: True and 1 compare equal, and must not pass for each other."""
    return [[(type(v), v) for v in row] for row in rows]


def test_same_rows_written_and_read_as_through_sqlalchemy(new_engine):
    by_sqlalchemy, by_prepared = new_engine(), new_engine()
    with by_sqlalchemy.begin() as conn:
        for model, row in ROWS:
            conn.execute(insert(model.__table__), row)
    with prepared.write_tx(by_prepared) as tx:
        for model, row in ROWS:
            tx.execute(refunds._insert(model.__table__), row)
    for model, _row in ROWS:
        table = model.__table__
        everything = select(table).order_by(*table.primary_key)
        assert stored(by_prepared, table) == stored(by_sqlalchemy, table), table.name
        with by_sqlalchemy.connect() as conn:
            expected = typed(conn.execute(everything))
        for engine in (by_sqlalchemy, by_prepared):
            with prepared.write_tx(engine) as tx:
                assert typed(tx.execute(everything)) == expected, table.name


def test_the_new_id_of_a_one_row_insert(new_engine):
    engine = new_engine()
    with prepared.write_tx(engine) as tx:
        ids = [tx.insert(refunds._INSERT_AUDIT, dict(dict(ROWS)[m.AuditEvent], kind=f"k{n}"))
               for n in range(3)]
        rows = tx.execute(select(m.AuditEvent.id, m.AuditEvent.kind).order_by(m.AuditEvent.id))
    assert ids == [1, 2, 3] and rows == [(1, "k0"), (2, "k1"), (3, "k2")]


def test_a_sale_read_through_the_commit_is_the_sale_a_lookup_shows(new_engine):
    engine = new_engine()
    receipt = make_sale(engine, [L(2, 1500, 100), L(1, 999)],
                        [T("card", 2000, card_last4="4321", settled=False), T("cash", 1899)])
    with read_tx(engine) as session:
        shown = sales.get_sale(session, receipt, NOW, Policy())
    with prepared.write_tx(engine) as tx:
        (row,) = tx.execute(refunds._LOCK_SALE, {"receipt_no": receipt})
        assert sales.read_sale(tx, row, NOW, Policy()) == shown


def refused(engine, write):
    """The exception ``write`` raises in the prepared path, and the same in SQLAlchemy's."""
    with pytest.raises(exc.DBAPIError) as raw:
        with prepared.write_tx(engine) as tx:
            write(tx)
    with pytest.raises(exc.DBAPIError) as orm:
        with db.write_tx(engine) as session:
            write(session.connection())
    return raw.value, orm.value


def test_a_refused_write_is_the_same_error_and_rolls_the_whole_transaction_back(new_engine):
    engine = new_engine()
    receipt = make_sale(engine, [L(1, 1000)])
    tender_id = make_till(engine).get_sale(receipt).tenders[0].tender_id
    over_the_cap = {"k_id": tender_id, "add_refunded": 1001}
    raw, orm = refused(engine, lambda conn: conn.execute(refunds._TENDER_REFUNDED, over_the_cap))
    assert type(raw) is type(orm) is exc.IntegrityError
    assert said(raw) == said(orm) == (Conflict, CONFLICT)
    with pytest.raises(exc.IntegrityError):
        with prepared.write_tx(engine) as tx:
            refunds.next_refund_no(tx, "T01", NOW)  # written, then undone with the rest
            tx.execute(refunds._TENDER_REFUNDED, over_the_cap)
    with read_tx(engine) as session:
        assert session.connection().execute(select(func.count()).select_from(
            m.RefundCounter)).scalar_one() == 0


def test_a_locked_sqlite_file_is_busy_as_through_sqlalchemy(tmp_path, monkeypatch):
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_S", 0.05)
    engine = make_engine(tmp_path / "till.db")
    upgrade(engine)
    holder = sqlite3.connect(tmp_path / "till.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        raw, orm = refused(engine, lambda conn: conn.execute(select(m.Sale.id)))
    finally:
        holder.close()
        engine.dispose()
    assert type(raw) is type(orm) is exc.OperationalError
    assert said(raw) == said(orm) == (StoreUnavailable, BUSY)


@pytest.mark.postgres
def test_a_connection_the_server_dropped_is_invalidated_and_replaced(pg_server):
    engine = make_engine(pg_server.create_database("prepared_dropped"))
    upgrade(engine)
    invalidated = []
    event.listen(engine, "invalidate", lambda *args: invalidated.append(args[2]))
    with pytest.raises(exc.OperationalError) as err:
        with prepared.write_tx(engine) as tx:
            ((pid,),) = tx.execute(select(func.pg_backend_pid()))
            with engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            tx.execute(select(m.Sale.id))
    assert err.value.connection_invalidated and invalidated == [err.value.orig]
    assert said(err.value) == (StoreUnavailable, UNREACHABLE)
    with prepared.write_tx(engine) as tx:  # the pool hands out a live connection
        assert tx.execute(select(func.pg_backend_pid())) != [(pid,)]
    engine.dispose()


@pytest.mark.postgres
def test_no_server_is_unreachable_as_through_sqlalchemy(pg_server):
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/none")
    with pytest.raises(exc.OperationalError) as raw:
        with prepared.write_tx(engine):
            pass
    with pytest.raises(exc.OperationalError) as orm:
        engine.connect()
    assert said(raw.value) == said(orm.value) == (StoreUnavailable, UNREACHABLE)


def test_statement_listeners_see_the_commit_and_can_stop_it(engine):
    receipt = make_sale(engine, [L(1, 1000)])
    seen = []

    def listener(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()[:3]))
        if statement.startswith("INSERT INTO refund_leg"):
            raise RuntimeError("stopped")

    event.listen(engine, "before_cursor_execute", listener)
    with pytest.raises(RuntimeError):
        make_till(engine).commit(RefundRequest(receipt, "full", reason="defective"), "C001")
    event.remove(engine, "before_cursor_execute", listener)
    # the sale (locked), the checks (request key, cashier, earlier refunds), lines, tenders
    assert [x.split()[0] for x in seen[:4]] == ["SELECT"] * 4
    assert seen[4:] == ["INSERT INTO refund_counter", "INSERT INTO refund",
                        "INSERT INTO refund_line", "UPDATE sale_line SET",
                        "INSERT INTO refund_leg"]
    with read_tx(engine) as session:  # the refund row written before it is rolled back
        assert session.connection().execute(select(m.Refund.id)).all() == []


def test_a_statement_that_needs_a_python_side_default_is_refused(engine):
    partial = insert(m.RefundLeg.__table__).values(refund_id=1, tender_id=1, payout="card")
    with pytest.raises(ValueError, match="every column"):
        prepared.prepare(partial, engine.dialect)
