"""What support staff need, as plain Python: alerts for the support chat, payment look-ups.

Alerts travel through the outbox (kind "alert"), so one is queued in the same transaction as
the event it reports and is sent after the commit; its dedupe key makes a repeated event (a
forged callback sent a hundred times) raise one alert per key.

Nothing here ever hands out a payer's full name: look-ups mask it (`ASANOV A****`).
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import structlog
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import BISHKEK, utcnow
from core.codes import normalise_code
from core.money import Money
from core.privacy import mask_name
from core.statuses import OutboxKind, OutboxStatus
from storage.db import SessionFactory, reading, transaction
from storage.models import AcquirerCallback, OutboxMessage, Payment, Receipt

log = structlog.get_logger(__name__)

# The fields each alert kind carries (and the only ones its text and log line show).
# None of them is ever a payer's name, a card number or a token.
ALERT_FIELDS: dict[str, tuple[str, ...]] = {
    "callback_rejected": ("reason", "order_id", "acquirer"),
    "amount_mismatch": ("order_id", "payment_id", "expected", "got"),
    "payment_stuck": ("order_id", "payment_id", "minutes"),
    "receipt_undelivered": ("payment_id", "reason"),
    "billing_unconfirmed": ("order_id", "payment_id", "reason"),
    "double_payment": ("payment_code", "order_id", "payment_id", "other_order_id"),
}
# An alert kind this module does not know yet is still delivered, with these fields only.
OTHER_ALERT_FIELDS = ("order_id", "payment_id")

OUTBOX_STATUSES = tuple(OutboxStatus)
RECEIPT_NUMBER = re.compile(r"\d{8}-\d{7,}")
FIND_LIMIT = 20


def alert_dedupe_key(kind: str, key: str) -> str:
    return f"alert:{kind}:{key}"[:80]


def alert_fields(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The fields of an alert that may be shown or logged, each present (None when missing)."""
    return {name: payload.get(name) for name in ALERT_FIELDS.get(kind, OTHER_ALERT_FIELDS)}


async def queue_alert(
    session: AsyncSession, kind: str, key: str, **fields: str | int | None
) -> None:
    """Queue an alert for the support chat in the caller's transaction, once per (kind, key)."""
    dedupe_key = alert_dedupe_key(kind, key)
    exists = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    if exists is not None:
        log.info("support.alert_duplicate", alert=kind)
        return
    payment_id = fields.get("payment_id")
    message = OutboxMessage(
        kind=OutboxKind.ALERT,
        dedupe_key=dedupe_key,
        payment_id=payment_id if type(payment_id) is int else None,
        chat_id=None,
        payload={"alert": kind, **fields},
    )
    try:
        # A concurrent transaction may queue the same key between the check and the insert:
        # the savepoint keeps the caller's transaction alive when the unique key says so.
        async with session.begin_nested():
            session.add(message)
    except IntegrityError:
        log.info("support.alert_duplicate", alert=kind)


async def raise_alert(
    sessions: SessionFactory, kind: str, key: str, **fields: str | int | None
) -> None:
    """`queue_alert` in a transaction of its own, for callers outside one."""
    async with transaction(sessions) as session:
        await queue_alert(session, kind, key, **fields)


def rejected_callback_alerts(
    sessions: SessionFactory, acquirer: str
) -> Callable[[str, str | None], Awaitable[None]]:
    """The `on_rejected` hook of the web app: an alert for callbacks that failed verification.

    Such callbacks are unauthenticated (bad signature, malformed), so anybody can send any
    number of them with any order id: one alert per reason per hour, whatever they carry.
    A failure to queue it is logged and never changes the answer to the sender.
    """

    async def on_rejected(reason: str, order_id: str | None) -> None:
        key = f"{reason}:{utcnow():%Y%m%d%H}"
        try:
            await raise_alert(
                sessions,
                "callback_rejected",
                key,
                reason=reason[:100],
                order_id=order_id[:40] if order_id else None,
                acquirer=acquirer,
            )
        except (SQLAlchemyError, OSError) as error:
            log.error(
                "support.alert_not_queued", alert="callback_rejected", error=type(error).__name__
            )

    return on_rejected


def undelivered_alerts(
    sessions: SessionFactory,
) -> Callable[[OutboxMessage, str], Awaitable[None]]:
    """The outbox's `on_failed` hook: an alert when a receipt could not be delivered for good,
    and when a billing confirmation was given up or keeps failing (the money was taken and
    the billing not told). The outbox calls it on every failed try of a confirmation past its
    max attempts: the dedupe key makes that one alert per message."""

    async def on_failed(message: OutboxMessage, reason: str) -> None:
        if message.kind == OutboxKind.RECEIPT:
            await raise_alert(
                sessions,
                "receipt_undelivered",
                str(message.id),
                payment_id=message.payment_id,
                reason=reason[:200],
            )
        elif message.kind == OutboxKind.BILLING_CONFIRM:
            async with transaction(sessions) as session:
                order_id = await session.scalar(
                    select(Payment.order_id).where(Payment.id == message.payment_id)
                )
                await queue_alert(
                    session,
                    "billing_unconfirmed",
                    str(message.id),
                    order_id=order_id,
                    payment_id=message.payment_id,
                    reason=reason[:200],
                )

    return on_failed


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


@dataclass(frozen=True, slots=True)
class PaymentHistory:
    """One payment as support sees it: the payer's name masked, card mask as stored."""

    payment_id: int
    order_id: str
    payment_code: str
    payer: str
    service: str
    amount: Money
    status: str
    acquirer: str
    card_mask: str | None
    transaction_id: str | None
    decline_reason: str | None
    user_id: int | None
    created_at: datetime
    paid_at: datetime | None
    expires_at: datetime
    receipt_number: str | None
    callbacks: tuple[CallbackEvent, ...]
    outbox: tuple[OutboxEvent, ...]


@dataclass(frozen=True, slots=True)
class DayBounds:
    day: str
    start: datetime
    end: datetime

    @classmethod
    def of(cls, now: datetime) -> "DayBounds":
        """The Asia/Bishkek calendar day of `now`, as UTC bounds [start, end)."""
        local = now.astimezone(BISHKEK).date()
        start = datetime.combine(local, time(), BISHKEK)
        end = datetime.combine(local + timedelta(days=1), time(), BISHKEK)
        return cls(local.isoformat(), start.astimezone(UTC), end.astimezone(UTC))


class SupportQueries:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def find(self, query: str, *, limit: int = FIND_LIMIT) -> list[PaymentHistory]:
        """Payments by payment code, order id or receipt number; the newest first."""
        condition = _payment_condition(query)
        if condition is None:
            return []
        async with reading(self._sessions) as session:
            rows = (
                await session.execute(
                    select(Payment, Receipt.number)
                    .outerjoin(Receipt, Receipt.payment_id == Payment.id)
                    .where(condition)
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
            PaymentHistory(
                payment_id=payment.id,
                order_id=payment.order_id,
                payment_code=payment.payment_code,
                payer=mask_name(payment.payer_name),
                service=payment.service,
                amount=payment.money,
                status=payment.status,
                acquirer=payment.acquirer,
                card_mask=payment.card_mask,
                transaction_id=payment.acquirer_transaction_id,
                decline_reason=payment.decline_reason,
                user_id=payment.user_id,
                created_at=payment.created_at,
                paid_at=payment.paid_at,
                expires_at=payment.expires_at,
                receipt_number=number,
                callbacks=tuple(callbacks.get(payment.order_id, ())),
                outbox=tuple(outbox.get(payment.id, ())),
            )
            for payment, number in rows
        ]

    async def stats_today(self, now: datetime | None = None) -> dict[str, Any]:
        """Today's payments (the Asia/Bishkek day of `now`).

        `total`, `by_status`, `by_service`: payments created that day; `paid` and
        `paid_amounts` (currency → Money): payments paid that day, whenever created.
        """
        bounds = DayBounds.of(now or utcnow())
        created = (Payment.created_at >= bounds.start) & (Payment.created_at < bounds.end)
        paid = (Payment.paid_at >= bounds.start) & (Payment.paid_at < bounds.end)
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
            paid_rows = amounts.all()
        return {
            "day": bounds.day,
            "total": sum(statuses.values()),
            "by_status": dict(sorted(statuses.items())),
            "by_service": dict(sorted(services.items())),
            "paid": sum(count for _, count, _ in paid_rows),
            "paid_amounts": {
                currency: Money(int(minor or 0), currency)
                for currency, _, minor in sorted(paid_rows)
            },
        }

    async def receipt_payment_id(self, query: str) -> int | None:
        """The paid payment named by a receipt number or an order id (or a payment code)."""
        condition = _payment_condition(query)
        if condition is None:
            return None
        async with reading(self._sessions) as session:
            return await session.scalar(
                select(Payment.id)
                .join(Receipt, Receipt.payment_id == Payment.id)
                .where(condition)
                .order_by(Receipt.id.desc())
                .limit(1)
            )

    async def resend_receipt(self, payment_id: int) -> str | None:
        """Queue the receipt again for the payer's chat; its number, or None if it has none."""
        now = utcnow()
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
                    dedupe_key=f"resend:{payment_id}:{now:%Y%m%dT%H%M%S.%fZ}",
                    payment_id=payment_id,
                    chat_id=row.chat_id,
                )
            )
        log.info("support.receipt_resend_queued", payment_id=payment_id)
        return row.number


def _payment_condition(query: str) -> ColumnElement[bool] | None:
    text = query.strip()
    if not text or len(text) > 64:
        return None
    conditions: list[ColumnElement[bool]] = [Payment.order_id.in_({text, text.upper()})]
    if RECEIPT_NUMBER.fullmatch(text):
        conditions.append(Receipt.number == text)
    code = normalise_code(text)
    if code is not None:
        conditions.append(Payment.payment_code == code)
    return or_(*conditions)
