"""The tables. Amounts are integer minor units; times are stored in UTC.

The CHECK constraints are the last line of defence of DESIGN.md §6: whatever the code does,
the database refuses a row that refunds (or holds in flight) more than was paid.
The schema itself is created by the Alembic migrations, never by ``create_all`` at run time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def _money():
    return Field(default=0, sa_type=BigInteger)


def _utc(nullable: bool = False, **kw):
    return Field(sa_type=DateTime(timezone=True), nullable=nullable, **kw)


class Sale(SQLModel, table=True):
    __tablename__ = "sale"
    __table_args__ = (
        CheckConstraint("refunded + in_flight <= total", name="ck_sale_cap"),
        CheckConstraint("refunded >= 0 AND in_flight >= 0", name="ck_sale_nonneg"),
        Index("ix_sale_sold_at", "sold_at"),
        # Find a sale by its amount (DESIGN.md §2): the exact total, newest first, in a
        # date range or not; without it a total nobody paid scans every sale.
        Index("ix_sale_total_sold_at", "total", "sold_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    receipt_no: str = Field(max_length=40, unique=True, index=True)
    sold_at: datetime = _utc()
    utc_offset_min: int = 0  # the offset the sale was made in, to show its local time
    store: str = Field(max_length=20)
    till: str = Field(max_length=20)
    cashier: str = Field(max_length=20)
    currency: str = Field(max_length=3)
    status: str = Field(max_length=10)  # completed | voided
    total: int = _money()
    refunded: int = _money()
    in_flight: int = _money()
    source_hash: str = Field(max_length=64)  # sha256 of the canonical import record


class SaleLine(SQLModel, table=True):
    __tablename__ = "sale_line"
    __table_args__ = (
        UniqueConstraint("sale_id", "line_no"),
        CheckConstraint("refunded_qty + in_flight_qty <= qty", name="ck_line_qty_cap"),
        CheckConstraint("refunded_amount + in_flight_amount <= net", name="ck_line_amount_cap"),
        CheckConstraint(
            "refunded_qty >= 0 AND in_flight_qty >= 0 AND refunded_amount >= 0 "
            "AND in_flight_amount >= 0",
            name="ck_line_nonneg",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    sale_id: int = Field(foreign_key="sale.id", index=True)
    line_no: int
    sku: str = Field(max_length=40)
    name: str = Field(max_length=200)
    qty: int
    unit_price: int = _money()
    discount: int = _money()
    net: int = _money()
    tax_rate: str | None = Field(default=None, max_length=12)  # decimal fraction as text
    refunded_qty: int = 0
    in_flight_qty: int = 0
    refunded_amount: int = _money()
    in_flight_amount: int = _money()


class Tender(SQLModel, table=True):
    __tablename__ = "tender"
    __table_args__ = (
        UniqueConstraint("sale_id", "seq"),
        CheckConstraint("refunded + in_flight <= amount", name="ck_tender_cap"),
        CheckConstraint("refunded >= 0 AND in_flight >= 0", name="ck_tender_nonneg"),
        Index("ix_tender_last4", "card_last4"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sale_id: int = Field(foreign_key="sale.id", index=True)
    seq: int  # order in the sale: ties in allocation go to the lower seq
    method: str = Field(max_length=12)  # card | wechat | alipay | unionpay_qr | cash
    amount: int = _money()
    reference: str | None = Field(default=None, max_length=64)
    card_last4: str | None = Field(default=None, max_length=4)
    settled: bool = True
    refunded: int = _money()
    in_flight: int = _money()


class Cashier(SQLModel, table=True):
    __tablename__ = "cashier"

    id: str = Field(primary_key=True, max_length=20)
    name: str = Field(max_length=100)
    role: str = Field(max_length=10)  # cashier | manager
    pin_salt: bytes
    pin_hash: bytes
    failed_attempts: int = 0
    locked_until: datetime | None = _utc(nullable=True, default=None)
    active: bool = True


class Refund(SQLModel, table=True):
    __tablename__ = "refund"
    __table_args__ = (Index("ix_refund_created_at", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    refund_no: str = Field(max_length=32, unique=True, index=True)
    sale_id: int = Field(foreign_key="sale.id", index=True)
    kind: str = Field(max_length=10)  # full | items | amount
    payout: str = Field(max_length=10)  # original | cash
    amount: int = _money()
    currency: str = Field(max_length=3)
    reason: str = Field(max_length=24)
    reason_text: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=200)
    cashier: str = Field(max_length=20)
    approver: str | None = Field(default=None, max_length=20)
    approval_rules: str | None = Field(default=None, max_length=200)  # comma-separated codes
    status: str = Field(max_length=10)  # pending | completed | partial | failed
    created_at: datetime = _utc()
    training: bool = False
    printed: bool = False
    print_count: int = 0
    # Made by the till once per refund attempt, before the commit: after a lost reply to
    # COMMIT the till finds the refund by it, and a repeat of the attempt finds the first.
    request_key: str | None = Field(default=None, max_length=64, unique=True, index=True)


class RefundLine(SQLModel, table=True):
    __tablename__ = "refund_line"

    id: int | None = Field(default=None, primary_key=True)
    refund_id: int = Field(foreign_key="refund.id", index=True)
    sale_line_id: int = Field(foreign_key="sale_line.id", index=True)
    qty: int
    amount: int = _money()
    restock: bool = True


class RefundLeg(SQLModel, table=True):
    __tablename__ = "refund_leg"
    __table_args__ = (Index("ix_leg_state", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    refund_id: int = Field(foreign_key="refund.id", index=True)
    tender_id: int = Field(foreign_key="tender.id", index=True)
    payout: str = Field(max_length=12)  # the method the money goes back by (a tender's, or cash)
    action: str = Field(max_length=8)  # refund | void | cash
    amount: int = _money()
    state: str = Field(max_length=10)  # pending | sent | unknown | succeeded | failed
    idempotency_key: str = Field(max_length=64, unique=True)
    attempts: int = 0
    gateway_ref: str | None = Field(default=None, max_length=64)
    error: str | None = Field(default=None, max_length=200)
    updated_at: datetime = _utc()


class AuditEvent(SQLModel, table=True):
    """Append-only: triggers created by the migration refuse UPDATE and DELETE."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc()
    actor: str | None = Field(default=None, max_length=20)
    kind: str = Field(max_length=24)  # sign_in | sign_in_failed | refund | approval | print ...
    refund_no: str | None = Field(default=None, max_length=32, index=True)
    detail: str = Field(default="{}", max_length=2000)  # JSON, never a PIN or card number


class RefundCounter(SQLModel, table=True):
    """The next refund number per till and day, taken inside the commit transaction."""

    __tablename__ = "refund_counter"

    scope: str = Field(primary_key=True, max_length=40)
    last: int = 0


class StoreKey(SQLModel, table=True):
    """The store's refund-QR signing keys (DESIGN.md §7), shared by every till through the
    database. The key with the highest ``generation`` signs; every key verifies, so rotating
    keeps old vouchers valid. A till's former per-installation secret file is kept as a key
    without a generation (it verifies, never signs). ``secret`` is never logged or audited."""

    __tablename__ = "store_key"

    key_id: str = Field(primary_key=True, max_length=24)  # k1, k2... or file-<12 hex>
    generation: int | None = Field(default=None, unique=True)
    secret: str = Field(max_length=128)  # hex
    created_at: datetime = _utc()


__all__ = [
    "AuditEvent", "Cashier", "Refund", "RefundCounter", "RefundLeg", "RefundLine",
    "Sale", "SaleLine", "StoreKey", "Tender",
]
