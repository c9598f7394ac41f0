"""When the database or Redis is away, a user still gets an answer: try again in a minute."""

import contextlib

import structlog
from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent
from redis.exceptions import RedisError

from storage.db import DatabaseError
from ui.i18n import L10n, guess_language

log = structlog.get_logger(__name__)

OUTAGES = (DatabaseError, RedisError, OSError)


async def service_unavailable(event: ErrorEvent, bot: Bot, l10n: L10n) -> bool:
    """The stored language is out of reach too: Telegram's language of the app is used."""
    update = event.update
    reason = type(event.exception).__name__
    log.error("update.failed", update_id=update.update_id, reason=reason)
    message = update.message or update.edited_message
    sender = message.from_user if message else None
    query = update.callback_query
    if query is not None:
        sender = query.from_user
        with contextlib.suppress(TelegramAPIError):  # the button stops spinning
            await bot.answer_callback_query(query.id)
    if sender is None:
        return True
    t = l10n[guess_language(sender.language_code)]
    with contextlib.suppress(TelegramAPIError):
        await bot.send_message(sender.id, t("service-unavailable"))
    return True


def build_router() -> Router:
    router = Router(name="errors")
    router.errors.register(service_unavailable, ExceptionTypeFilter(*OUTAGES))
    return router
