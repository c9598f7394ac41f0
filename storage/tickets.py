"""Support tickets: a user's question recorded with its message for the support chat, where
that message lies in the chat, and the answers queued back to the user's chat."""

from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from core.statuses import OutboxKind
from storage.db import SessionFactory, reading, transaction
from storage.models import OutboxMessage, Payment, SupportMessage

SUPPORT_MESSAGES = SupportMessage.__table__
OUTBOX = OutboxMessage.__table__


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    user_id: int
    chat_id: int
    language: str


class RecentPayment(NamedTuple):
    payment_code: str
    status: str
    order_id: str


class Tickets:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def recent_payments(self, user_id: int, limit: int) -> list[RecentPayment]:
        """The user's latest payments, the newest first."""
        async with reading(self._sessions) as session:
            rows = await session.execute(
                select(Payment.payment_code, Payment.status, Payment.order_id)
                .where(Payment.user_id == user_id)
                .order_by(Payment.id.desc())
                .limit(limit)
            )
            return [RecentPayment(*row) for row in rows]

    async def open(
        self,
        *,
        user_id: int,
        chat_id: int,
        language: str,
        support_chat_id: int,
        payments: str,
        text: str,
    ) -> int:
        """Record the ticket and queue its question for the support chat, in one transaction;
        the ticket's number."""
        async with transaction(self._sessions) as session:
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
                        "text": text,
                    },
                )
            )
        return ticket_id

    async def record_copy(self, ticket_id: int, message_id: int) -> None:
        """Where the ticket's message lies in the support chat: replies to it are answers."""
        async with transaction(self._sessions) as session:
            await session.execute(
                update(SUPPORT_MESSAGES)
                .where(SUPPORT_MESSAGES.c.id == ticket_id)
                .values(support_message_id=message_id)
            )

    async def of_copy(self, support_chat_id: int, message_id: int) -> Ticket | None:
        """The ticket whose message in the support chat this is, if any."""
        async with reading(self._sessions) as session:
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
        self, ticket: Ticket, support_chat_id: int, message_id: int, payload: dict[str, Any]
    ) -> bool:
        """Queue a support reply for the ticket's chat, once per reply in the support chat;
        whether it was queued now."""
        try:
            async with transaction(self._sessions) as session:
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
            return False
        return True
