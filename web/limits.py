"""Limits of the bot's web server on what a client sends: per route body size, read time."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web

T = TypeVar("T")

# Telegram's updates (a long message with its entities, a reply quoting another) can exceed an
# acquirer's callback by far; the rest of the server takes small forms.
MAX_UPDATE_BYTES = 1024 * 1024
MAX_CALLBACK_BYTES = 64 * 1024
# A megabyte at a modest mobile speed; a client dripping its body slower is let go.
BODY_TIMEOUT_SECONDS = 20.0


async def within_body_timeout(read: Callable[[], Awaitable[T]]) -> T:
    """``await read()`` (of the request's body), or 408 when the client is too slow to send it."""
    try:
        async with asyncio.timeout(BODY_TIMEOUT_SECONDS):
            return await read()
    except TimeoutError:
        raise web.HTTPRequestTimeout() from None


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, or 413 as soon as it is known to exceed ``limit`` bytes, or 408.

    Reads ``request.content`` itself, so the application's ``client_max_size`` does not apply.
    A body already received whole (an update is one packet) has nothing to wait for.
    """
    if request.content.is_eof():
        return await _read(request, limit)
    return await within_body_timeout(lambda: _read(request, limit))


async def _read(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    return bytes(body)
