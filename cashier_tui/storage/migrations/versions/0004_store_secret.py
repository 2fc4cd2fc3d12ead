"""store_key: the store's refund-QR signing keys, shared by every till (issue 17.8).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

Each till made its own secret file, so a voucher printed at one till was "not from this
store" at another. The keys now live in the database: the one with the highest generation
signs, all verify. The first till to start creates generation 1 (INSERT ... ON CONFLICT DO
NOTHING, then read back: two tills starting at once agree); a till's old secret file becomes
a verify-only key at its next start (cashier_tui/services/store_keys.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "store_key",
        sa.Column("key_id", sa.String(length=24), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=True),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
        sa.UniqueConstraint("generation"),
    )


def downgrade() -> None:
    op.drop_table("store_key")
