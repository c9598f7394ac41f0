"""payments: per-status counts kept by triggers, for /metrics

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ADD = (
    "INSERT INTO payment_status_counts (status, shard, count) "
    "VALUES (NEW.status, NEW.id % 16, 1) "
    "ON CONFLICT (status, shard) DO UPDATE SET count = payment_status_counts.count + 1"
)
_REMOVE = (
    "UPDATE payment_status_counts SET count = count - 1 "
    "WHERE status = OLD.status AND shard = OLD.id % 16"
)

_POSTGRESQL = [
    f"""CREATE FUNCTION payment_status_counts_add() RETURNS trigger AS $$
BEGIN {_ADD}; RETURN NULL; END $$ LANGUAGE plpgsql""",
    f"""CREATE FUNCTION payment_status_counts_remove() RETURNS trigger AS $$
BEGIN {_REMOVE}; RETURN NULL; END $$ LANGUAGE plpgsql""",
    f"""CREATE FUNCTION payment_status_counts_move() RETURNS trigger AS $$
BEGIN {_REMOVE}; {_ADD}; RETURN NULL; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER payment_status_counts_insert AFTER INSERT ON payments
FOR EACH ROW EXECUTE FUNCTION payment_status_counts_add()""",
    """CREATE TRIGGER payment_status_counts_delete AFTER DELETE ON payments
FOR EACH ROW EXECUTE FUNCTION payment_status_counts_remove()""",
    """CREATE TRIGGER payment_status_counts_update AFTER UPDATE OF status ON payments
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION payment_status_counts_move()""",
]
_SQLITE = [
    f"""CREATE TRIGGER payment_status_counts_insert AFTER INSERT ON payments
BEGIN {_ADD}; END""",
    f"""CREATE TRIGGER payment_status_counts_delete AFTER DELETE ON payments
BEGIN {_REMOVE}; END""",
    f"""CREATE TRIGGER payment_status_counts_update AFTER UPDATE OF status ON payments
WHEN OLD.status IS NOT NEW.status BEGIN {_REMOVE}; {_ADD}; END""",
]


def upgrade() -> None:
    op.create_table(
        "payment_status_counts",
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("status", "shard"),
    )
    op.execute(
        "INSERT INTO payment_status_counts (status, shard, count) "
        "SELECT status, id % 16, COUNT(*) FROM payments GROUP BY status, id % 16"
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    for name in ("insert", "delete", "update"):
        op.execute(
            f"DROP TRIGGER IF EXISTS payment_status_counts_{name} ON payments"
            if op.get_bind().dialect.name == "postgresql"
            else f"DROP TRIGGER IF EXISTS payment_status_counts_{name}"
        )
    if op.get_bind().dialect.name == "postgresql":
        for name in ("add", "remove", "move"):
            op.execute(f"DROP FUNCTION IF EXISTS payment_status_counts_{name}()")
    op.drop_table("payment_status_counts")
