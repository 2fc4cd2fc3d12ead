"""Initial schema: the tables of models.py, and audit_event made append-only.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

The triggers refuse UPDATE and DELETE on audit_event (and TRUNCATE on PostgreSQL), so the
audit log stays append-only whatever the code above it does (DESIGN.md §6).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("refund_no", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.String(length=2000), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_at", "audit_event", ["at"], unique=False)
    op.create_index("ix_audit_event_refund_no", "audit_event", ["refund_no"], unique=False)

    op.create_table(
        "cashier",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("pin_salt", sa.LargeBinary(), nullable=False),
        sa.Column("pin_hash", sa.LargeBinary(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "refund_counter",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )
    op.create_table(
        "sale",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_no", sa.String(length=40), nullable=False),
        sa.Column("sold_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("utc_offset_min", sa.Integer(), nullable=False),
        sa.Column("store", sa.String(length=20), nullable=False),
        sa.Column("till", sa.String(length=20), nullable=False),
        sa.Column("cashier", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.Column("in_flight", sa.BigInteger(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("refunded + in_flight <= total", name="ck_sale_cap"),
        sa.CheckConstraint("refunded >= 0 AND in_flight >= 0", name="ck_sale_nonneg"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sale_receipt_no", "sale", ["receipt_no"], unique=True)
    op.create_index("ix_sale_sold_at", "sale", ["sold_at"], unique=False)

    op.create_table(
        "refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refund_no", sa.String(length=32), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("payout", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("reason_text", sa.String(length=200), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("cashier", sa.String(length=20), nullable=False),
        sa.Column("approver", sa.String(length=20), nullable=True),
        sa.Column("approval_rules", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.Column("printed", sa.Boolean(), nullable=False),
        sa.Column("print_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sale_id"],
            ["sale.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_refund_created_at", "refund", ["created_at"], unique=False)
    op.create_index("ix_refund_refund_no", "refund", ["refund_no"], unique=True)
    op.create_index("ix_refund_sale_id", "refund", ["sale_id"], unique=False)

    op.create_table(
        "sale_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("discount", sa.BigInteger(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("tax_rate", sa.String(length=12), nullable=True),
        sa.Column("refunded_qty", sa.Integer(), nullable=False),
        sa.Column("in_flight_qty", sa.Integer(), nullable=False),
        sa.Column("refunded_amount", sa.BigInteger(), nullable=False),
        sa.Column("in_flight_amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("refunded_amount + in_flight_amount <= net", name="ck_line_amount_cap"),
        sa.CheckConstraint("refunded_qty + in_flight_qty <= qty", name="ck_line_qty_cap"),
        sa.CheckConstraint(
            "refunded_qty >= 0 AND in_flight_qty >= 0 AND refunded_amount >= 0 "
            "AND in_flight_amount >= 0",
            name="ck_line_nonneg",
        ),
        sa.ForeignKeyConstraint(
            ["sale_id"],
            ["sale.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sale_id", "line_no"),
    )
    op.create_index("ix_sale_line_sale_id", "sale_line", ["sale_id"], unique=False)

    op.create_table(
        "tender",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("card_last4", sa.String(length=4), nullable=True),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.Column("in_flight", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("refunded + in_flight <= amount", name="ck_tender_cap"),
        sa.CheckConstraint("refunded >= 0 AND in_flight >= 0", name="ck_tender_nonneg"),
        sa.ForeignKeyConstraint(
            ["sale_id"],
            ["sale.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sale_id", "seq"),
    )
    op.create_index("ix_tender_last4", "tender", ["card_last4"], unique=False)
    op.create_index("ix_tender_sale_id", "tender", ["sale_id"], unique=False)

    op.create_table(
        "refund_leg",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("payout", sa.String(length=12), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("gateway_ref", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["refund.id"],
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"],
            ["tender.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_leg_state", "refund_leg", ["state"], unique=False)
    op.create_index("ix_refund_leg_refund_id", "refund_leg", ["refund_id"], unique=False)
    op.create_index("ix_refund_leg_tender_id", "refund_leg", ["tender_id"], unique=False)

    op.create_table(
        "refund_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=False),
        sa.Column("sale_line_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("restock", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["refund.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sale_line_id"],
            ["sale_line.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_refund_line_refund_id", "refund_line", ["refund_id"], unique=False)
    op.create_index("ix_refund_line_sale_line_id", "refund_line", ["sale_line_id"], unique=False)
    _create_audit_triggers()


def downgrade() -> None:
    _drop_audit_triggers()
    op.drop_index("ix_refund_line_sale_line_id", table_name="refund_line")
    op.drop_index("ix_refund_line_refund_id", table_name="refund_line")

    op.drop_table("refund_line")
    op.drop_index("ix_refund_leg_tender_id", table_name="refund_leg")
    op.drop_index("ix_refund_leg_refund_id", table_name="refund_leg")
    op.drop_index("ix_leg_state", table_name="refund_leg")

    op.drop_table("refund_leg")
    op.drop_index("ix_tender_sale_id", table_name="tender")
    op.drop_index("ix_tender_last4", table_name="tender")

    op.drop_table("tender")
    op.drop_index("ix_sale_line_sale_id", table_name="sale_line")

    op.drop_table("sale_line")
    op.drop_index("ix_refund_sale_id", table_name="refund")
    op.drop_index("ix_refund_refund_no", table_name="refund")
    op.drop_index("ix_refund_created_at", table_name="refund")

    op.drop_table("refund")
    op.drop_index("ix_sale_sold_at", table_name="sale")
    op.drop_index("ix_sale_receipt_no", table_name="sale")

    op.drop_table("sale")
    op.drop_table("refund_counter")
    op.drop_table("cashier")
    op.drop_index("ix_audit_event_refund_no", table_name="audit_event")
    op.drop_index("ix_audit_at", table_name="audit_event")

    op.drop_table("audit_event")


APPEND_ONLY = "audit_event is append-only"


def _create_audit_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'restrict_violation'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
    )


def _drop_audit_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
    op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
