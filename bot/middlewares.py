import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, Update
from aiogram.types import User as TelegramUser

from core.cards import contains_card_number
from core.metrics import Metrics
from storage.seen_updates import Claim, SeenUpdates
from storage.users import Users
from ui.i18n import L10n, guess_language
from ui.reply import Reply
from web.webhook import UpdateInProgress

log = structlog.get_logger(__name__)


class ReplyMiddleware(BaseMiddleware):
    """Injects `reply` (ui.reply.Reply to the chat) and `t` in the user's stored language, or a
    guess from Telegram's; `language_chosen`, whether one is stored; and `user_id`. Receipts
    held for a user who could not be reached are released when they write again."""

    def __init__(
        self, l10n: L10n, release_held: Callable[[int], Awaitable[int]], users: Users
    ) -> None:
        self._l10n = l10n
        self._release_held = release_held
        self._users = users

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
        with self._users.during_update():
            return await self._with_user(handler, event, data, sender, chat)

    async def _with_user(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
        sender: TelegramUser,
        chat: Chat | None,
    ) -> Any:
        stored = await self._users.get(sender.id)
        if stored is None:
            # Nobody marked them unreachable (there is no row to mark: they typed a code before
            # choosing a language, or asked to be forgotten), yet receipts may be held for them.
            await self._release_held(chat.id if chat else sender.id)
        elif stored.unreachable_at is not None:
            # They unblocked the bot and wrote again: deliver the receipts kept for them.
            await self._users.mark_reachable(sender.id)
            await self._release_held(stored.chat_id)
        chosen = stored.language if stored else None
        t = self._l10n[chosen or guess_language(sender.language_code)]
        data["language_chosen"] = chosen is not None
        data["user_id"] = sender.id
        data["t"] = t
        data["reply"] = Reply(data["bot"], chat.id if chat else sender.id, t)
        return await handler(event, data)


class PrivateChatsOnly(BaseMiddleware):
    """The bot serves private chats only. In a group everyone posting as the group or a
    channel is one Telegram user, and what the bot answers there (names, receipts, personal
    data) everyone in it reads. A command or a button there gets one short answer: write to
    the bot privately; anything else, none. The one exception is the support chat's replies
    to the users' relayed messages: that chat is the staff's."""

    def __init__(self, l10n: L10n, support_chat_id: int | None = None) -> None:
        self._l10n = l10n
        self._support_chat_id = support_chat_id

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is not None and chat.type == ChatType.PRIVATE:
            return await handler(event, data)
        assert isinstance(event, Update)
        if self._answers_support(chat, event):
            return await handler(event, data)
        sender: TelegramUser | None = data.get("event_from_user")
        t = self._l10n[guess_language(sender.language_code if sender else None)]
        log.info("update.not_private", chat_type=chat.type if chat else None)
        with contextlib.suppress(TelegramAPIError):  # no right to write there, or gone
            if isinstance(event.callback_query, CallbackQuery):
                await event.callback_query.answer(t.plain("private-chat-only"), show_alert=True)
            elif (text := event.message.text if event.message else None) and text[:1] == "/":
                await event.message.answer(t.plain("private-chat-only"))
        return None

    def _answers_support(self, chat: Chat | None, event: Update) -> bool:
        return (
            chat is not None
            and chat.id == self._support_chat_id
            and event.message is not None
            and event.message.reply_to_message is not None
        )


class UpdatesInFlight(BaseMiddleware):
    """Counts the updates being handled, so that a bot told to stop lets them finish: in long
    polling Telegram has already been told they were received."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        self._count += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self._count -= 1
            if not self._count:
                self._idle.set()

    async def drained(self, seconds: float) -> bool:
        """Whether every update in flight finished within `seconds`."""
        try:
            async with asyncio.timeout(seconds):
                await self._idle.wait()
        except TimeoutError:
            log.warning("updates.unfinished_at_stop", count=self._count)
            return False
        return True


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
        # Bound and reset by their tokens: `bound_contextvars` reads every context variable
        # there is to restore what it replaced.
        bound = structlog.contextvars.bind_contextvars(
            update_id=event.update_id, user_id=sender.id if sender else None
        )
        try:
            return await handler(event, data)
        finally:
            structlog.contextvars.reset_contextvars(**bound)


class DeduplicateUpdatesMiddleware(BaseMiddleware):
    """A webhook retried by Telegram, or delivered to two instances, is handled once; one
    whose handling was cut short (a crash) is handled when it comes again."""

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
        claim = await self._seen.claim(event.update_id)
        if claim is not Claim.NEW:
            log.info("update.duplicate", update_id=event.update_id, claim=claim.value)
            self._metrics.count_update("duplicate")
            if claim is Claim.IN_PROGRESS:
                raise UpdateInProgress(event.update_id)
            return None
        self._metrics.count_update(event.event_type)
        try:
            result = await handler(event, data)
        except BaseException:
            await self._seen.forget(event.update_id)
            raise
        await self._seen.done(event.update_id)
        return result


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
        reply: Reply | None = data.get("reply")
        if reply is not None:
            await reply.say("card-number-warning")
        return None
