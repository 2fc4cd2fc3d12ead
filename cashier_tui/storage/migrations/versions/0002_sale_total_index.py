"""sale: an index on (total, sold_at), to find a sale by its amount.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

"Find a sale" by amount (DESIGN.md §2) asks for one exact total, newest first, within a date
range or not. Without this index a total nobody paid scanned every sale (0.3 s with a
million sales); with it the answer is a few index pages. Building it on an existing database
of a million sales takes about a second.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_sale_total_sold_at", "sale", ["total", "sold_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sale_total_sold_at", table_name="sale")
