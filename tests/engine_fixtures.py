"""Fixtures for the refund engine's tests: sales inserted straight into the tables (the
importer is tested on its own), a till on a fixed clock with the simulated gateway.

Test modules import the fixtures by their function names (``till_fixture``...); tests ask
for them by the short names (``till``, ``staff``, ``clock``, ``gateway``)."""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine

from cashier_tui.clock import FixedClock
from cashier_tui.domain.policy import Policy
from cashier_tui.gateways.simulated import SimulatedGateway
from cashier_tui.services.people import hash_pin
from cashier_tui.services.till import Till
from cashier_tui.storage.db import read_tx, write_tx
from cashier_tui.storage.models import Cashier, Sale, SaleLine, Tender

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=CST)
MANAGER_PIN = "2468"
CASHIER_PIN = "1357"


@dataclass(frozen=True)
class L:
    """A sale line: qty units at unit_price (minor units) less a line discount."""

    qty: int
    unit_price: int
    discount: int = 0
    sku: str = "6901234567892"
    name: str = "Thermos 500ml"

    @property
    def net(self) -> int:
        return self.qty * self.unit_price - self.discount


@dataclass(frozen=True)
class T:
    """A payment: method, amount, reference (card/wallet), last 4, settled."""

    method: str
    amount: int
    reference: str | None = None
    card_last4: str | None = None
    settled: bool = True


_refs = itertools.count(1)


def make_sale(engine: Engine, lines: Sequence[L], tenders: Sequence[T] | None = None, *,
              receipt_no: str = "S01-T02-20261120-0042", sold_at: datetime | None = None,
              status: str = "completed", currency: str = "CNY") -> str:
    """Insert a sale; without ``tenders`` it is paid by one card for the lines' total.
    Non-cash tenders without a reference get a unique one. The cashiers C001 and C002 are
    put on the staff list (refunds are made in their names). Returns the receipt number."""
    seat(engine, "C001", "C002")
    total = sum(x.net for x in lines)
    if tenders is None:
        tenders = [T("card", total, card_last4="4321")]
    tenders = [t if t.method == "cash" or t.reference else
               T(t.method, t.amount, f"AUTH{next(_refs):06d}", t.card_last4, t.settled)
               for t in tenders]
    assert sum(t.amount for t in tenders) == total, "payments must add up to the lines"
    sold_at = sold_at or NOW - timedelta(hours=1)
    with write_tx(engine) as session:
        sale = Sale(receipt_no=receipt_no, sold_at=sold_at.astimezone(UTC),
                    utc_offset_min=int(sold_at.utcoffset().total_seconds() // 60),
                    store="S01", till="T02", cashier="C007", currency=currency,
                    status=status, total=total,
                    source_hash=hashlib.sha256(receipt_no.encode()).hexdigest())
        session.add(sale)
        session.flush()
        for no, x in enumerate(lines, 1):
            session.add(SaleLine(sale_id=sale.id, line_no=no, sku=x.sku, name=x.name,
                                 qty=x.qty, unit_price=x.unit_price, discount=x.discount,
                                 net=x.net))
        for seq, t in enumerate(tenders, 1):
            session.add(Tender(sale_id=sale.id, seq=seq, method=t.method, amount=t.amount,
                               reference=t.reference, card_last4=t.card_last4,
                               settled=t.settled))
    return receipt_no


def totals(engine: Engine, receipt_no: str) -> dict[str, object]:
    """The stored caps of a sale: sale, tenders by seq and lines by line_no."""
    with read_tx(engine) as session:
        from sqlmodel import select

        sale = session.exec(select(Sale).where(Sale.receipt_no == receipt_no)).one()
        tenders = session.exec(select(Tender).where(Tender.sale_id == sale.id)
                               .order_by(Tender.seq)).all()
        lines = session.exec(select(SaleLine).where(SaleLine.sale_id == sale.id)
                             .order_by(SaleLine.line_no)).all()
        return {
            "sale": (sale.refunded, sale.in_flight),
            "tenders": [(t.refunded, t.in_flight) for t in tenders],
            "lines": [(x.refunded_qty, x.in_flight_qty, x.refunded_amount, x.in_flight_amount)
                      for x in lines],
            "references": [t.reference for t in tenders],
        }


@functools.cache
def _cashier_pin() -> tuple[bytes, bytes]:
    salt = b"engine-fixtures!"
    return salt, hash_pin(CASHIER_PIN, salt)


def seat(engine: Engine, *cashier_ids: str) -> None:
    """Put cashiers on the staff list (PIN ``CASHIER_PIN``) unless they are on it already:
    a refund is committed only in the name of a cashier who exists."""
    salt, digest = _cashier_pin()
    with write_tx(engine) as session:
        for cashier_id in cashier_ids:
            if session.get(Cashier, cashier_id) is None:
                session.add(Cashier(id=cashier_id, name="Li Na", role="cashier",
                                    pin_salt=salt, pin_hash=digest))


def make_till(engine: Engine, gateway: SimulatedGateway | None = None,
              clock: FixedClock | None = None, policy: Policy | None = None,
              **kw: object) -> Till:
    keys = (f"key-{n:04d}" for n in itertools.count(1))
    return Till(engine=engine, gateway=gateway or SimulatedGateway(),
                clock=clock or FixedClock(NOW), policy=policy or Policy(),
                new_key=lambda: next(keys), **kw)


@pytest.fixture(name="clock")
def clock_fixture() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(name="gateway")
def gateway_fixture() -> SimulatedGateway:
    return SimulatedGateway()


@pytest.fixture(name="till")
def till_fixture(engine: Engine, gateway: SimulatedGateway, clock: FixedClock) -> Till:
    return make_till(engine, gateway, clock)


@pytest.fixture(name="staff")
def staff_fixture(till: Till) -> Till:
    """The till with a cashier C001 (seated by ``make_sale``) and a manager M001 (PINs
    above)."""
    seat(till.engine, "C001")
    till.add_cashier("M001", "Wang Fang", "manager", MANAGER_PIN)
    return till
