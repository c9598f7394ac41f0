import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import structlog
from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, Message, TelegramObject, Update
from aiogram.types import User as TelegramUser
from redis.asyncio import Redis

from bot.i18n import L10n, guess_language
from bot.metrics import Metrics
from handlers.flow import Conversation
from payments.cards import contains_card_number
from payments.limits import LookupLimiter
from payments.service import PaymentService
from storage.users import Users

log = structlog.get_logger(__name__)


class ConversationMiddleware(BaseMiddleware):
    """Injects `conversation` in the user's stored language, or a guess from Telegram's."""

    def __init__(
        self,
        l10n: L10n,
        release_held: Callable[[int], Awaitable[int]],
        *,
        payments: PaymentService,
        users: Users,
        limiter: LookupLimiter,
        mask_names: bool,
        public_base: str,
    ) -> None:
        self._l10n = l10n
        self._release_held = release_held
        self._users = users
        self._shared = {
            "payments": payments,
            "users": users,
            "limiter": limiter,
            "mask_names": mask_names,
            "public_base": public_base,
        }

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
        if stored is not None and stored.unreachable_at is not None:
            # They unblocked the bot and wrote again: deliver the receipts kept for them.
            await self._users.mark_reachable(sender.id)
            await self._release_held(stored.chat_id)
        chosen = stored.language if stored else None
        language = chosen or guess_language(sender.language_code)
        data["language_chosen"] = chosen is not None
        data["conversation"] = Conversation(
            bot=data["bot"],
            chat_id=chat.id if chat else sender.id,
            user_id=sender.id,
            state=data["state"],
            t=self._l10n[language],
            **self._shared,
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


class SeenUpdates(Protocol):
    async def first_time(self, update_id: int) -> bool: ...


class MemorySeenUpdates:
    """One process: remember the latest update ids (Telegram redelivers recent ones only)."""

    def __init__(self, size: int = 10_000) -> None:
        self._order: deque[int] = deque(maxlen=size)
        self._ids: set[int] = set()

    async def first_time(self, update_id: int) -> bool:
        if update_id in self._ids:
            return False
        if len(self._order) == self._order.maxlen:
            self._ids.discard(self._order[0])
        self._order.append(update_id)
        self._ids.add(update_id)
        return True


class RedisSeenUpdates:
    """Several instances: the first to claim an update id in Redis handles it."""

    def __init__(self, redis: Redis, bot_id: int, ttl_seconds: int = 24 * 3600) -> None:
        self._redis = redis
        self._prefix = f"bot:{bot_id}:update:"
        self._ttl = ttl_seconds

    async def first_time(self, update_id: int) -> bool:
        return bool(await self._redis.set(f"{self._prefix}{update_id}", 1, nx=True, ex=self._ttl))


class DeduplicateUpdatesMiddleware(BaseMiddleware):
    """A webhook retried by Telegram, or delivered to two instances, is handled once."""

    def __init__(self, seen: SeenUpdates, metrics: Metrics) -> None:
        self._seen = seen
        self._metrics = metrics

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        if not await self._seen.first_time(event.update_id):
            log.info("update.duplicate", update_id=event.update_id)
            self._metrics.updates.labels(kind="duplicate").inc()
            return None
        self._metrics.updates.labels(kind=event.event_type).inc()
        return await handler(event, data)


class CardNumberGuard(BaseMiddleware):
    """A message with a card number is deleted at once, never stored or logged, and the user
    is told where card data goes: only on the acquirer's page."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Message)
        if not contains_card_number(event.text or event.caption or ""):
            return await handler(event, data)
        log.warning("card.guard", message_id=event.message_id)
        with contextlib.suppress(TelegramAPIError):  # already gone, or older than 48 hours
            await event.delete()
        conversation: Conversation | None = data.get("conversation")
        if conversation is not None:
            await conversation.say("card-number-warning")
        return None
