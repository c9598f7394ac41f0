"""The support relay as plain Python: a user's question queued for the support chat, a
support reply mapped back to the user's chat and queued for it (the tickets themselves are
`storage.tickets.Tickets`: where a ticket's message lies, which ticket a reply answers).

Both travel through the outbox, so neither is lost while Telegram is away. The question
carries the ticket's number, the Telegram user id, the user's language and their recent
payments' codes and orders: never a card number (the card guard deletes such a message before
it gets here), a phone number or a payer's name.
"""

import time
from dataclasses import dataclass
from typing import Any

import structlog

from payments.limits import Windows
from storage.tickets import Ticket, Tickets

log = structlog.get_logger(__name__)

# Telegram takes 4,096 characters a message; the ticket's header and footer take the rest.
MAX_TEXT = 3_000
RECENT_PAYMENTS = 3


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


def clipped(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


async def recent_payments(tickets: Tickets, user_id: int) -> str:
    """`code status order` of the user's latest payments, what support looks them up by."""
    rows = await tickets.recent_payments(user_id, RECENT_PAYMENTS)
    return "; ".join(f"{row.payment_code} {row.status} {row.order_id}" for row in rows)


async def open_ticket(
    tickets: Tickets,
    *,
    user_id: int,
    chat_id: int,
    language: str,
    support_chat_id: int,
    text: str,
) -> int:
    """Record the ticket and queue its message for the support chat, in one transaction."""
    ticket_id = await tickets.open(
        user_id=user_id,
        chat_id=chat_id,
        language=language,
        support_chat_id=support_chat_id,
        payments=await recent_payments(tickets, user_id),
        text=clipped(text),
    )
    log.info("support.ticket_opened", ticket=ticket_id)
    return ticket_id


async def queue_answer(
    tickets: Tickets, ticket: Ticket, support_chat_id: int, message_id: int, text: str
) -> bool:
    """Queue a support reply for the user's chat, once per reply (a redelivered update adds
    nothing); whether it was queued now."""
    payload: dict[str, Any] = {
        "ticket": ticket.id,
        "user_id": ticket.user_id,
        "language": ticket.language,
        "text": clipped(text),
    }
    if not await tickets.queue_answer(ticket, support_chat_id, message_id, payload):
        log.info("support.answer_duplicate", ticket=ticket.id)
        return False
    log.info("support.answer_queued", ticket=ticket.id)
    return True
