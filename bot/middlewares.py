from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, Update
from aiogram.types import User as TelegramUser

from bot.i18n import L10n, guess_language
from handlers.flow import Conversation
from payments.service import PaymentService
from storage.users import Users


class ConversationMiddleware(BaseMiddleware):
    """Injects `conversation` in the user's stored language, or a guess from Telegram's."""

    def __init__(self, users: Users, l10n: L10n, payments: PaymentService) -> None:
        self._users = users
        self._l10n = l10n
        self._payments = payments

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: TelegramUser | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if sender is None:  # channel posts and the like: not a conversation of ours
            return await handler(event, data)
        stored = await self._users.get(sender.id)
        chosen = stored.language if stored else None
        language = chosen or guess_language(sender.language_code)
        data["language_chosen"] = chosen is not None
        data["conversation"] = Conversation(
            bot=data["bot"],
            chat_id=chat.id if chat else sender.id,
            user_id=sender.id,
            state=data["state"],
            t=self._l10n[language],
            payments=self._payments,
            users=self._users,
        )
        return await handler(event, data)


class LogContextMiddleware(BaseMiddleware):
    """Every log line written while handling an update names the update (and nobody's name)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        sender: TelegramUser | None = data.get("event_from_user")
        with structlog.contextvars.bound_contextvars(
            update_id=event.update_id, user_id=sender.id if sender else None
        ):
            return await handler(event, data)
