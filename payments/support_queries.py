"""What support staff look up, as plain Python: payments by code, order or receipt number,
today's counts, a receipt sent again.

Nothing here ever hands out a payer's full name: look-ups mask it (`ASANOV A****`).
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import structlog

from core.clock import BISHKEK, utcnow
from core.codes import normalise_code
from core.money import Money
from core.privacy import mask_name
from core.statuses import OutboxStatus
from storage.db import SessionFactory
from storage.support import (
    CallbackEvent,
    FoundPayment,
    OutboxEvent,
    PaymentQuery,
    SupportRecords,
)

__all__ = [
    "FIND_LIMIT",
    "OUTBOX_STATUSES",
    "DayBounds",
    "PaymentHistory",
    "SupportQueries",
    "payment_query",
]

log = structlog.get_logger(__name__)

OUTBOX_STATUSES = tuple(OutboxStatus)
RECEIPT_NUMBER = re.compile(r"\d{8}-\d{7,}")
FIND_LIMIT = 20


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


def payment_query(text: str) -> PaymentQuery | None:
    """What a support query names: an order id, a receipt number, a payment code; None for
    an empty or overlong one."""
    text = text.strip()
    if not text or len(text) > 64:
        return None
    return PaymentQuery(
        order_ids=frozenset({text, text.upper()}),
        receipt_number=text if RECEIPT_NUMBER.fullmatch(text) else None,
        payment_code=normalise_code(text),
    )


class SupportQueries:
    def __init__(self, sessions: SessionFactory) -> None:
        self._records = SupportRecords(sessions)

    async def find(self, query: str, *, limit: int = FIND_LIMIT) -> list[PaymentHistory]:
        """Payments by payment code, order id or receipt number; the newest first."""
        named = payment_query(query)
        if named is None:
            return []
        return [_history(found) for found in await self._records.find(named, limit)]

    async def stats_today(self, now: datetime | None = None) -> dict[str, Any]:
        """Today's payments (the Asia/Bishkek day of `now`).

        `total`, `by_status`, `by_service`: payments created that day; `paid` and
        `paid_amounts` (currency → Money): payments paid that day, whenever created.
        """
        bounds = DayBounds.of(now or utcnow())
        counts = await self._records.day_counts(bounds.start, bounds.end)
        return {
            "day": bounds.day,
            "total": sum(counts.by_status.values()),
            "by_status": dict(sorted(counts.by_status.items())),
            "by_service": dict(sorted(counts.by_service.items())),
            "paid": sum(total.count for total in counts.paid),
            "paid_amounts": {
                total.currency: Money(total.minor, total.currency) for total in sorted(counts.paid)
            },
        }

    async def receipt_payment_id(self, query: str) -> int | None:
        """The paid payment named by a receipt number or an order id (or a payment code)."""
        named = payment_query(query)
        if named is None:
            return None
        return await self._records.receipt_payment_id(named)

    async def resend_receipt(self, payment_id: int) -> str | None:
        """Queue the receipt again for the payer's chat; its number, or None if it has none."""
        now = utcnow()
        number = await self._records.queue_receipt_again(
            payment_id, f"resend:{payment_id}:{now:%Y%m%dT%H%M%S.%fZ}"
        )
        if number is None:
            return None
        log.info("support.receipt_resend_queued", payment_id=payment_id)
        return number


def _history(found: FoundPayment) -> PaymentHistory:
    payment = found.payment
    return PaymentHistory(
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
        receipt_number=found.receipt_number,
        callbacks=found.callbacks,
        outbox=found.outbox,
    )
