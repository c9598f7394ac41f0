"""Outbox handlers of the support relay: a user's question to the support chat, and the
support's answer to the user, headed in the user's language."""

from collections.abc import Awaitable, Callable

import structlog
from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup

from core.statuses import OutboxKind
from delivery.alerts import to_support_chat
from delivery.pacing import Pacer
from payments.outbox import GiveUp, Handler
from storage.db import SessionFactory
from storage.models import OutboxMessage
from storage.tickets import Tickets
from storage.users import Users
from ui.i18n import L10n, Translator
from ui.support_keyboards import write_to_support

log = structlog.get_logger(__name__)

SendToUser = Callable[..., Awaitable[None]]


class SupportRelay:
    def __init__(
        self,
        bot: Bot,
        sessions: SessionFactory,
        users: Users,
        l10n: L10n,
        *,
        support_chat_id: int | None,
        support_t: Translator,
        pacer: Pacer,
        send_to_user: SendToUser,
    ) -> None:
        self._bot = bot
        self._tickets = Tickets(sessions)
        self._users = users
        self._l10n = l10n
        self._chat_id = support_chat_id
        self._support_t = support_t
        self._pacer = pacer
        self._send_to_user = send_to_user

    def handlers(self) -> dict[str, Handler]:
        return {OutboxKind.SUPPORT_QUESTION: self.question, OutboxKind.SUPPORT_ANSWER: self.answer}

    async def question(self, message: OutboxMessage) -> None:
        """The ticket as a new message (not a forward: no name, no phone, no profile link)."""
        payload = message.payload or {}
        if self._chat_id is None:
            raise GiveUp("no support chat")
        text = self._support_t(
            "support-question",
            ticket=payload.get("ticket"),
            user_id=payload.get("user_id"),
            language=payload.get("language"),
            payments=payload.get("payments") or "—",
            text=payload.get("text") or "",
        )
        await self._pacer.wait(self._chat_id)
        with to_support_chat():
            sent = await self._bot.send_message(self._chat_id, text)
        await self._tickets.record_copy(int(payload["ticket"]), sent.message_id)
        log.info("support.question_sent", ticket=payload.get("ticket"), outbox_id=message.id)

    async def answer(self, message: OutboxMessage) -> None:
        payload = message.payload or {}
        if message.chat_id is None:
            raise GiveUp("no chat to answer")
        user_id = payload.get("user_id")
        user = await self._users.get(user_id) if isinstance(user_id, int) else None
        t = self._l10n[(user.language if user else None) or str(payload.get("language"))]
        text = t("support-answer", ticket=payload.get("ticket"), text=payload.get("text") or "")
        markup: InlineKeyboardMarkup = write_to_support(t)
        await self._send_to_user(message.chat_id, text, reply_markup=markup)
        log.info("support.answer_sent", ticket=payload.get("ticket"), outbox_id=message.id)
