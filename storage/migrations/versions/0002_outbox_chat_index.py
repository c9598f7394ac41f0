"""outbox: find a chat's unsent messages, so each chat's messages go in turn

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 22:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_chat_unsent", "outbox", ["chat_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_chat_unsent", table_name="outbox")
