"""Every request to Telegram honours its flood control, and a reply to a user survives a 429
or a passing 5xx.

One request middleware on the bot's session: a 429 makes every later request to the same chat
wait out its `retry_after` instead of firing into it, and a conversation reply is tried again
a bounded number of times. The outbox's deliveries have their own retries (a row due again
later): a request made by one is tried once, and one that would fire into a running
`retry_after` is refused at once with what is left of it, for the outbox to come back then.
"""

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject

from payments.outbox import delivering

log = structlog.get_logger(__name__)

ATTEMPTS = 3
# A longer flood wait is not sat out by a reply: the user has long stopped waiting for it.
MAX_WAIT_SECONDS = 10.0
BACKOFF_SECONDS = 0.5
TRANSIENT = (TelegramServerError, TelegramNetworkError)


class FloodControl(BaseRequestMiddleware):
    def __init__(
        self,
        attempts: int = ATTEMPTS,
        max_wait: float = MAX_WAIT_SECONDS,
        backoff: float = BACKOFF_SECONDS,
    ) -> None:
        self._attempts = attempts
        self._max_wait = max_wait
        self._backoff = backoff
        self._resume_at: dict[tuple[int, Any], float] = {}  # (bot, chat) -> loop time

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):  # long polling has its own backoff
            return await make_request(bot, method)
        key = (bot.id, getattr(method, "chat_id", None))
        retries = not delivering.get()
        attempt = 0
        while True:
            attempt += 1
            if (wait := self._left(key)) > 0:
                if not retries or wait > self._max_wait:
                    raise TelegramRetryAfter(method, "flood control running", math.ceil(wait))
                await asyncio.sleep(wait)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                self._wait_out(key, error.retry_after)
                if not retries or attempt >= self._attempts or error.retry_after > self._max_wait:
                    raise
                log.warning("telegram.retry_after", method=type(method).__name__, attempt=attempt)
            except TRANSIENT as error:
                if not retries or attempt >= self._attempts:
                    raise
                log.warning(
                    "telegram.retry", method=type(method).__name__, error=type(error).__name__
                )
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))

    def _left(self, key: tuple[int, Any]) -> float:
        resume_at = self._resume_at.get(key)
        return 0.0 if resume_at is None else resume_at - asyncio.get_running_loop().time()

    def _wait_out(self, key: tuple[int, Any], seconds: float) -> None:
        now = asyncio.get_running_loop().time()
        self._resume_at[key] = max(self._resume_at.get(key, 0.0), now + seconds)
        if len(self._resume_at) > 10_000:
            self._resume_at = {k: t for k, t in self._resume_at.items() if t > now}


class UndeliveredReplies(BaseMiddleware):
    """A reply Telegram still refuses after the retries is logged, and the update counts as
    handled: an error would make the webhook answer 500, and Telegram would deliver the
    update again much later, to a user who has moved on."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        except (TelegramRetryAfter, *TRANSIENT) as error:
            log.error("reply.undelivered", error=type(error).__name__)
            return None
