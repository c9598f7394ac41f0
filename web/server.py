"""The bot's web server on its socket: bounded connections, header and body read times.

A client that opens connections and sends its request a byte at a time would otherwise hold
each one for as long as it likes, until the process runs out of file descriptors and nobody
else (Telegram, the acquirer, the load balancer) can connect.
"""

import asyncio
import time
from typing import Any

import structlog
from aiohttp import web

log = structlog.get_logger(__name__)

MAX_HEADERS = 64
ACCEPT_ERROR_LOG_INTERVAL_SECONDS = 10.0

_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
    b"Content-Length: 0\r\n\r\n"
)


def runner_options(header_timeout: float) -> dict[str, Any]:
    """aiohttp closes a connection that has not sent a whole request head (or its next one)
    ``header_timeout`` seconds after it opened (or after the last answer): its keep-alive
    timer runs from the start and is not reset by a part of a head."""
    return {"keepalive_timeout": header_timeout, "max_headers": MAX_HEADERS}


class _Busy(asyncio.Protocol):
    """A connection beyond the limit: answered 503 and closed at once, so its descriptor is
    given back and the listening socket is never left unable to accept."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(_BUSY)
        transport.close()


class BoundedSite(web.BaseSite):
    """A TCP site that serves at most ``max_connections`` connections at a time."""

    def __init__(
        self, runner: web.BaseRunner, host: str, port: int, *, max_connections: int
    ) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port
        self._max_connections = max_connections
        self.refused = 0

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None

        def connection() -> asyncio.Protocol:
            if len(server.connections) >= self._max_connections:
                self.refused += 1
                if self.refused % 1000 == 1:
                    log.warning("http.connections_full", limit=self._max_connections)
                return _Busy()
            return server()

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(connection, self._host, self._port)


class AcceptErrorThrottle:
    """asyncio's event loop logs every failed accept() (no descriptors left), with a traceback,
    once per retry: a flood of them fills a disk. One line per interval, with the count,
    instead. uvloop (bot/event_loop.py) says nothing of it: libuv keeps a descriptor in reserve
    and with it accepts and closes the waiting connections itself. On either loop /metrics
    shows it coming (`process_open_fds` against `process_max_fds`)."""

    def __init__(self, interval: float = ACCEPT_ERROR_LOG_INTERVAL_SECONDS) -> None:
        self._interval = interval
        self._last = float("-inf")
        self.suppressed = 0
        self._previous: Any = None

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        self._previous = loop.get_exception_handler()
        loop.set_exception_handler(self)

    def uninstall(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop.get_exception_handler() is self:
            loop.set_exception_handler(self._previous)

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if "accept()" not in str(context.get("message", "")):
            if self._previous is not None:
                self._previous(loop, context)
            else:
                loop.default_exception_handler(context)
            return
        now = time.monotonic()
        if now - self._last < self._interval:
            self.suppressed += 1
            return
        error = context.get("exception")
        log.error(
            "http.accept_failed",
            reason=type(error).__name__ if error else None,
            suppressed=self.suppressed,
        )
        self._last, self.suppressed = now, 0
