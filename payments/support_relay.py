"""The support relay as plain Python: a user's question queued for the support chat, a
support reply mapped back to the user's chat and queued for it.

Both travel through the outbox, so neither is lost while Telegram is away. The question
carries the ticket's number, the Telegram user id, the user's language and their recent
payments' codes and orders: never a card number (the card guard deletes such a message before
it gets here), a phone number or a payer's name.
"""

import time
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from core.statuses import OutboxKind
from payments.limits import Windows
from payments.outbox import OUTBOX
from storage.db import SessionFactory, reading, transaction
from storage.models import Payment, SupportMessage

log = structlog.get_logger(__name__)

# Telegram takes 4,096 characters a message; the ticket's header and footer take the rest.
MAX_TEXT = 3_000
RECENT_PAYMENTS = 3
SUPPORT_MESSAGES = SupportMessage.__table__


@dataclass(frozen=True, slots=True)
class SupportPolicy:
    messages_per_user: int = 5
    window_seconds: float = 10 * 60


class SupportLimiter:
    """A user may write to support a few times in a window, so the chat is not flooded."""

    def __init__(self, windows: Windows, policy: SupportPolicy = SupportPolicy()) -> None:
        self._windows = windows
        self._policy = policy

    async def wait_seconds(self, user_id: int) -> float:
        [(oldest, count)] = await self._windows.oldest_and_count(
            [(f"support:{user_id}", self._policy.window_seconds)]
        )
        if oldest is None or count < self._policy.messages_per_user:
            return 0.0
        return max(1.0, oldest + self._policy.window_seconds - time.time())

    async def written(self, user_id: int) -> None:
        await self._windows.add([(f"support:{user_id}", self._policy.window_seconds)])


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    user_id: int
    chat_id: int
    language: str


def clipped(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


async def recent_payments(sessions: SessionFactory, user_id: int) -> str:
    """`code status order` of the user's latest payments, what support looks them up by."""
    async with reading(sessions) as session:
        rows = await session.execute(
            select(Payment.payment_code, Payment.status, Payment.order_id)
            .where(Payment.user_id == user_id)
            .order_by(Payment.id.desc())
            .limit(RECENT_PAYMENTS)
        )
        return "; ".join(f"{code} {status} {order}" for code, status, order in rows)


async def open_ticket(
    sessions: SessionFactory,
    *,
    user_id: int,
    chat_id: int,
    language: str,
    support_chat_id: int,
    text: str,
) -> int:
    """Record the ticket and queue its message for the support chat, in one transaction."""
    payments = await recent_payments(sessions, user_id)
    async with transaction(sessions) as session:
        ticket_id = await session.scalar(
            insert(SUPPORT_MESSAGES)
            .values(
                user_id=user_id,
                chat_id=chat_id,
                language=language,
                support_chat_id=support_chat_id,
            )
            .returning(SUPPORT_MESSAGES.c.id)
        )
        await session.execute(
            insert(OUTBOX).values(
                kind=OutboxKind.SUPPORT_QUESTION,
                urgent=True,
                dedupe_key=f"{OutboxKind.SUPPORT_QUESTION}:{ticket_id}",
                chat_id=None,
                payload={
                    "ticket": ticket_id,
                    "user_id": user_id,
                    "language": language,
                    "payments": payments,
                    "text": clipped(text),
                },
            )
        )
    log.info("support.ticket_opened", ticket=ticket_id)
    return ticket_id


async def record_copy(sessions: SessionFactory, ticket_id: int, message_id: int) -> None:
    """Where the ticket's message lies in the support chat: replies to it are answers."""
    async with transaction(sessions) as session:
        await session.execute(
            update(SUPPORT_MESSAGES)
            .where(SUPPORT_MESSAGES.c.id == ticket_id)
            .values(support_message_id=message_id)
        )


async def ticket_of_copy(
    sessions: SessionFactory, support_chat_id: int, message_id: int
) -> Ticket | None:
    async with reading(sessions) as session:
        row = (
            await session.execute(
                select(
                    SupportMessage.id,
                    SupportMessage.user_id,
                    SupportMessage.chat_id,
                    SupportMessage.language,
                ).where(
                    SupportMessage.support_chat_id == support_chat_id,
                    SupportMessage.support_message_id == message_id,
                )
            )
        ).first()
    return Ticket(*row) if row else None


async def queue_answer(
    sessions: SessionFactory, ticket: Ticket, support_chat_id: int, message_id: int, text: str
) -> bool:
    """Queue a support reply for the user's chat, once per reply (a redelivered update adds
    nothing); whether it was queued now."""
    payload: dict[str, Any] = {
        "ticket": ticket.id,
        "user_id": ticket.user_id,
        "language": ticket.language,
        "text": clipped(text),
    }
    try:
        async with transaction(sessions) as session:
            await session.execute(
                insert(OUTBOX).values(
                    kind=OutboxKind.SUPPORT_ANSWER,
                    urgent=True,
                    dedupe_key=f"{OutboxKind.SUPPORT_ANSWER}:{support_chat_id}:{message_id}",
                    chat_id=ticket.chat_id,
                    payload=payload,
                )
            )
    except IntegrityError:
        log.info("support.answer_duplicate", ticket=ticket.id)
        return False
    log.info("support.answer_queued", ticket=ticket.id)
    return True
