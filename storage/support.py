"""What support staff read from the database (/find, /stats, /receipt) and the one thing they
write: a receipt queued again for the payer's chat."""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, func, or_, select

from core.statuses import OutboxKind
from storage.db import SessionFactory, reading, transaction
from storage.models import AcquirerCallback, OutboxMessage, Payment, Receipt


@dataclass(frozen=True, slots=True)
class PaymentQuery:
    """What a support query may name: an order id (as typed or upper case), a receipt
    number, a payment code; a payment matches any of them."""

    order_ids: frozenset[str]
    receipt_number: str | None = None
    payment_code: str | None = None


@dataclass(frozen=True, slots=True)
class CallbackEvent:
    """A verified acquirer callback recorded for the order."""

    received_at: datetime
    status: str
    outcome: str


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """A delivery queued for the payment: receipt, notice, billing confirmation, alert."""

    id: int
    kind: str
    detail: str | None  # the alert kind, for alerts
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class FoundPayment(NamedTuple):
    """A payment with its receipt's number and what happened to it since."""

    payment: Payment
    receipt_number: str | None
    callbacks: tuple[CallbackEvent, ...]
    outbox: tuple[OutboxEvent, ...]


class PaidTotal(NamedTuple):
    currency: str
    count: int
    minor: int


@dataclass(frozen=True, slots=True)
class DayCounts:
    """Payments created in a period by status and by service; those paid in it by currency."""

    by_status: dict[str, int]
    by_service: dict[str, int]
    paid: list[PaidTotal]


class SupportRecords:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def find(self, query: PaymentQuery, limit: int) -> list[FoundPayment]:
        """The payments matching the query, the newest first."""
        async with reading(self._sessions) as session:
            rows = (
                await session.execute(
                    select(Payment, Receipt.number)
                    .outerjoin(Receipt, Receipt.payment_id == Payment.id)
                    .where(_matching(query))
                    .order_by(Payment.id.desc())
                    .limit(limit)
                )
            ).all()
            if not rows:
                return []
            order_ids = [payment.order_id for payment, _ in rows]
            payment_ids = [payment.id for payment, _ in rows]
            callbacks: dict[str, list[CallbackEvent]] = {}
            for callback in await session.scalars(
                select(AcquirerCallback)
                .where(AcquirerCallback.order_id.in_(order_ids))
                .order_by(AcquirerCallback.received_at, AcquirerCallback.id)
            ):
                callbacks.setdefault(callback.order_id, []).append(
                    CallbackEvent(callback.received_at, callback.status, callback.outcome)
                )
            outbox: dict[int, list[OutboxEvent]] = {}
            for row in await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.payment_id.in_(payment_ids))
                .order_by(OutboxMessage.id)
            ):
                assert row.payment_id is not None
                detail = (row.payload or {}).get("alert") if row.kind == OutboxKind.ALERT else None
                outbox.setdefault(row.payment_id, []).append(
                    OutboxEvent(
                        id=row.id,
                        kind=row.kind,
                        detail=str(detail) if detail is not None else None,
                        status=row.status,
                        attempts=row.attempts,
                        last_error=row.last_error,
                        created_at=row.created_at,
                        sent_at=row.sent_at,
                    )
                )
        return [
            FoundPayment(
                payment,
                number,
                tuple(callbacks.get(payment.order_id, ())),
                tuple(outbox.get(payment.id, ())),
            )
            for payment, number in rows
        ]

    async def day_counts(self, start: datetime, end: datetime) -> DayCounts:
        """Payments created in [start, end) by status and service; paid in it by currency."""
        created = (Payment.created_at >= start) & (Payment.created_at < end)
        paid = (Payment.paid_at >= start) & (Payment.paid_at < end)
        async with reading(self._sessions) as session:
            by_status = await session.execute(
                select(Payment.status, func.count()).where(created).group_by(Payment.status)
            )
            by_service = await session.execute(
                select(Payment.service, func.count()).where(created).group_by(Payment.service)
            )
            amounts = await session.execute(
                select(Payment.currency, func.count(), func.sum(Payment.amount_minor))
                .where(paid)
                .group_by(Payment.currency)
            )
            statuses = {status: count for status, count in by_status}
            services = {service: count for service, count in by_service}
            paid_rows = [
                PaidTotal(currency, count, int(minor or 0)) for currency, count, minor in amounts
            ]
        return DayCounts(statuses, services, paid_rows)

    async def receipt_payment_id(self, query: PaymentQuery) -> int | None:
        """The payment with a receipt matching the query (the latest receipt)."""
        async with reading(self._sessions) as session:
            return await session.scalar(
                select(Payment.id)
                .join(Receipt, Receipt.payment_id == Payment.id)
                .where(_matching(query))
                .order_by(Receipt.id.desc())
                .limit(1)
            )

    async def queue_receipt_again(self, payment_id: int, dedupe_key: str) -> str | None:
        """Queue the payment's receipt for the payer's chat; its number, or None when the
        payment has no receipt or no chat (then nothing is queued)."""
        async with transaction(self._sessions) as session:
            row = (
                await session.execute(
                    select(Payment.chat_id, Receipt.number)
                    .join(Receipt, Receipt.payment_id == Payment.id)
                    .where(Payment.id == payment_id)
                )
            ).first()
            if row is None or row.chat_id is None:
                return None
            session.add(
                OutboxMessage(
                    kind=OutboxKind.RECEIPT,
                    dedupe_key=dedupe_key,
                    payment_id=payment_id,
                    chat_id=row.chat_id,
                )
            )
        return row.number


def _matching(query: PaymentQuery) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [Payment.order_id.in_(query.order_ids)]
    if query.receipt_number is not None:
        conditions.append(Receipt.number == query.receipt_number)
    if query.payment_code is not None:
        conditions.append(Payment.payment_code == query.payment_code)
    return or_(*conditions)
