"""outbox: urgent messages (receipts, notices) in a lane of their own, claimed by index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

URGENT_KINDS = ("receipt", "payment_declined", "payment_expired")  # as at this revision


def upgrade() -> None:
    # The server default fills the rows already there (and keeps SQLite from rebuilding the
    # table); the model sets the column on every insert.
    op.add_column(
        "outbox", sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    outbox = sa.table("outbox", sa.column("kind", sa.String), sa.column("urgent", sa.Boolean))
    op.execute(outbox.update().where(outbox.c.kind.in_(URGENT_KINDS)).values(urgent=True))
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", ["status", "urgent", "available_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", ["status", "available_at"])
    op.drop_column("outbox", "urgent")
