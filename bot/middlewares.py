from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TelegramUser

from bot.i18n import L10n, guess_language
from storage.users import Users


class LocaleMiddleware(BaseMiddleware):
    """Injects the user's stored language (`language`, `t`) or a guess from Telegram's."""

    def __init__(self, users: Users, l10n: L10n) -> None:
        self._users = users
        self._l10n = l10n

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: TelegramUser | None = data.get("event_from_user")
        stored = await self._users.get(sender.id) if sender else None
        chosen = stored.language if stored else None
        language = chosen or guess_language(sender.language_code if sender else None)
        data.update(language=language, language_chosen=chosen is not None, t=self._l10n[language])
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
