"""What the support relay and the reminders hold about a user, for /mydata and /forget.

A ticket's text and a support answer live only in their outbox rows' payloads: erasing the
user empties those, and deletes the tickets (a later reply to one gets the "not a ticket"
note) and the reminders they asked for."""

from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import OutboxKind, OutboxStatus
from storage.models import DeadlineReminder, OutboxMessage, SupportMessage


async def export_support_data(session: AsyncSession, user_id: int) -> dict[str, Any]:
    tickets = await session.scalars(
        select(SupportMessage).where(SupportMessage.user_id == user_id).order_by(SupportMessage.id)
    )
    reminders = await session.scalars(
        select(DeadlineReminder)
        .where(DeadlineReminder.user_id == user_id)
        .order_by(DeadlineReminder.id)
    )
    return {
        "support_tickets": [
            {"ticket": ticket.id, "at_utc": ticket.created_at.isoformat()} for ticket in tickets
        ],
        "deadline_reminders": [
            {
                "payment_code": reminder.payment_code,
                "deadline_utc": reminder.deadline.isoformat(),
                "remind_at_utc": reminder.remind_at.isoformat(),
                "status": reminder.status,
            }
            for reminder in reminders
        ],
    }


async def forget_support_data(session: AsyncSession, user_id: int, chat_id: int) -> None:
    """In the caller's transaction, before the chat's own outbox rows lose their chat."""
    tickets = list(
        await session.scalars(select(SupportMessage.id).where(SupportMessage.user_id == user_id))
    )
    questions = [f"{OutboxKind.SUPPORT_QUESTION}:{ticket}" for ticket in tickets]
    await session.execute(
        update(OutboxMessage)
        .where(
            or_(
                OutboxMessage.dedupe_key.in_(questions),
                (OutboxMessage.kind.in_((OutboxKind.SUPPORT_ANSWER, OutboxKind.DEADLINE_REMINDER)))
                & (OutboxMessage.chat_id == chat_id),
            )
        )
        .values(payload={})
    )
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.dedupe_key.in_(questions), OutboxMessage.status == OutboxStatus.PENDING
        )
        .values(status=OutboxStatus.FAILED, last_error="the user asked to be forgotten")
    )
    await session.execute(delete(SupportMessage).where(SupportMessage.user_id == user_id))
    await session.execute(delete(DeadlineReminder).where(DeadlineReminder.user_id == user_id))
