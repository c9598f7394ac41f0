"""Limits of the bot's web server on what a client sends: per route body size, read time."""

from aiohttp import web

# Telegram's updates (a long message with its entities, a reply quoting another) can exceed an
# acquirer's callback by far; the rest of the server takes small forms.
MAX_UPDATE_BYTES = 1024 * 1024
MAX_CALLBACK_BYTES = 64 * 1024


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, or 413 as soon as it is known to exceed ``limit`` bytes.

    Reads ``request.content`` itself, so the application's ``client_max_size`` does not apply.
    """
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    return bytes(body)
