"""refund: a unique request key made by the till before the commit.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

When the reply to COMMIT is lost (the connection drops after the server got it), the till
cannot know whether the refund was stored. The till makes a key once per refund attempt,
before the commit, and stores it in the row: it then looks the refund up by that key, and a
repeat of the same attempt finds the first refund instead of making a second (issue 17.1).
Refunds made before this revision have no key (NULL; a unique index allows many).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("refund", sa.Column("request_key", sa.String(length=64), nullable=True))
    op.create_index("ix_refund_request_key", "refund", ["request_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_refund_request_key", table_name="refund")
    op.drop_column("refund", "request_key")  # SQLite >= 3.35 drops a column in place
