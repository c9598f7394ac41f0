"""support relay and reminders: relayed messages, page reminders, deadline reminders

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "support_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("support_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("support_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_messages")),
        sa.UniqueConstraint(
            "support_chat_id",
            "support_message_id",
            name=op.f("uq_support_messages_support_chat_id"),
        ),
    )
    op.create_index(
        op.f("ix_support_messages_user_id"), "support_messages", ["user_id"], unique=False
    )
    op.create_table(
        "page_reminders",
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_page_reminders_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("payment_id", name=op.f("pk_page_reminders")),
    )
    op.create_table(
        "deadline_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("payment_code", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_reminders")),
        sa.UniqueConstraint(
            "user_id", "payment_code", "deadline", name=op.f("uq_deadline_reminders_user_id")
        ),
    )
    op.create_index(
        "ix_deadline_reminders_due", "deadline_reminders", ["status", "remind_at"], unique=False
    )
    op.create_index(
        "ix_payments_open_by_expiry",
        "payments",
        ["expires_at"],
        unique=False,
        sqlite_where=sa.text("status = 'created'"),
        postgresql_where=sa.text("status = 'created'"),
    )


def downgrade() -> None:
    op.drop_index("ix_payments_open_by_expiry", table_name="payments")
    op.drop_index("ix_deadline_reminders_due", table_name="deadline_reminders")
    op.drop_table("deadline_reminders")
    op.drop_table("page_reminders")
    op.drop_index(op.f("ix_support_messages_user_id"), table_name="support_messages")
    op.drop_table("support_messages")
