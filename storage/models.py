from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.clock import utcnow
from core.money import Money
from core.statuses import URGENT_KINDS, OutboxStatus, PaymentStatus, ReminderStatus


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str | None] = mapped_column(String(2))
    unreachable_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Consent(Base):
    """Append-only: a new row for every agreement (or withdrawal), never an update."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    document: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    action: Mapped[str] = mapped_column(String(10), default="agree")
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invoice(Base):
    """A payment code of the local billing, imported from the operator's CSV."""

    __tablename__ = "invoices"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    payer_name: Mapped[str] = mapped_column(String(200))
    service: Mapped[str] = mapped_column(String(40))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12))
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_code_status", "payment_code", "status"),
        # One live payment page per payment code: "Pay" pressed twice reuses it.
        Index(
            "uq_payments_live_code",
            "payment_code",
            unique=True,
            sqlite_where=text("status = 'created'"),
            postgresql_where=text("status = 'created'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[str] = mapped_column(String(40), unique=True)
    payment_code: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(2))
    service: Mapped[str] = mapped_column(String(40))
    payer_name: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12), default=PaymentStatus.CREATED.value)
    acquirer: Mapped[str] = mapped_column(String(20))
    payment_url: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    acquirer_transaction_id: Mapped[str | None] = mapped_column(String(64))
    card_mask: Mapped[str | None] = mapped_column(String(24))
    decline_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None]
    # When reconciliation may next ask the acquirer about this payment (claimed per instance).
    reconcile_at: Mapped[datetime | None]

    @property
    def money(self) -> Money:
        """The amount to be paid, in its currency."""
        return Money(self.amount_minor, self.currency)


class Receipt(Base):
    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class AcquirerCallback(Base):
    """Every verified acquirer callback, once: the unique key makes replays no-ops."""

    __tablename__ = "acquirer_callbacks"
    __table_args__ = (UniqueConstraint("acquirer", "dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    acquirer: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


def _urgent(context: Any) -> bool:
    return context.get_current_parameters()["kind"] in URGENT_KINDS


class OutboxMessage(Base):
    """Work that must reach the outside world after a commit: receipts, notices, confirmations."""

    __tablename__ = "outbox"
    __table_args__ = (
        # A claim walks one lane's due rows in order and stops at its batch, so it costs the
        # same with ten rows waiting or ten thousand (a PDF backlog, billing down for a day).
        Index("ix_outbox_due", "status", "urgent", "available_at"),
        Index("ix_outbox_chat_unsent", "chat_id", "status"),  # a chat's messages go in turn
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    urgent: Mapped[bool] = mapped_column(default=_urgent)
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class FsmRecord(Base):
    """aiogram FSM state and data, so a conversation survives a restart."""

    __tablename__ = "fsm_records"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PaymentStatusCount(Base):
    """How many payments are in each status, kept by triggers on `payments` (migration 0004),
    so /metrics reads a few rows instead of counting the table. Spread over shards by payment
    id, so concurrent payments rarely wait for each other's row."""

    __tablename__ = "payment_status_counts"

    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


# Support relay and reminders


class SupportMessage(Base):
    """A user's message relayed to the support chat (its id is the ticket's number), and where
    its copy lies there: a reply to that copy finds its way back to the user."""

    __tablename__ = "support_messages"
    __table_args__ = (UniqueConstraint("support_chat_id", "support_message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(2))
    support_chat_id: Mapped[int] = mapped_column(BigInteger)
    support_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PageReminder(Base):
    """An open payment page whose closing the payer was reminded of: once, whoever asks again."""

    __tablename__ = "page_reminders"

    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id"), primary_key=True, autoincrement=False
    )
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeadlineReminder(Base):
    """A payer's request to be reminded before an unpaid code's deadline (the bill's
    `expires_at`): waiting, then queued once, or cancelled when the code needs it no more."""

    __tablename__ = "deadline_reminders"
    __table_args__ = (
        UniqueConstraint("user_id", "payment_code", "deadline"),
        Index("ix_deadline_reminders_due", "status", "remind_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payment_code: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(2))
    deadline: Mapped[datetime]
    remind_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default=ReminderStatus.WAITING.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Open pages by the time they close: what the page reminders look for.
Index(
    "ix_payments_open_by_expiry",
    Payment.expires_at,
    sqlite_where=text("status = 'created'"),
    postgresql_where=text("status = 'created'"),
)
