"""A Redis that stalls while an update is handled: once it answers again, the user's next
update is answered at once, not when aiogram's event lock would have lapsed (a minute)."""

import asyncio
import contextlib

from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from tests.conftest import AppHarness
from tests.test_flow import l10n, plain


class StallingProxy:
    """TCP in front of Redis that can go silent: while stalled, what either side sends is
    dropped, as on a network that lost its route."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self.stalled = False
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._pipes:
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        for source, target in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, target))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await source.read(65536):
                if not self.stalled:
                    target.write(data)
                    await target.drain()
        target.close()


async def test_a_redis_stall_does_not_keep_the_user_waiting_once_it_is_back(
    telegram, tmp_path, redis_url
):
    url = make_url(redis_url.replace("redis://", "postgresql://"))  # only to parse it
    proxy = StallingProxy(url.host or "127.0.0.1", url.port or 6379)
    port = await proxy.start()
    harness = AppHarness(telegram, f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    app = await harness.start(redis_url=f"redis://127.0.0.1:{port}/{url.database or 0}")
    try:
        client = harness.client(7950)
        await client.send("/help")
        answers = len(telegram.sent_messages(7950))
        get_user = app.users.get

        async def stall_redis_then_read(user_id: int):
            proxy.stalled = True  # inside the update: its event lock is taken
            return await get_user(user_id)

        app.users.get = stall_redis_then_read
        with contextlib.suppress(Exception):
            await client.send("/help")
        app.users.get = get_user
        async with Redis.from_url(redis_url) as redis:
            [lock] = await redis.keys("*lock*")  # left behind: the release found Redis silent
            assert 0 < await redis.pttl(lock) <= 15_000  # and lapses soon if Redis stays away
        proxy.stalled = False  # Redis is back

        loop = asyncio.get_running_loop()
        back = loop.time()
        async with asyncio.timeout(30):
            await client.send("/help")
        assert loop.time() - back < 5
        assert len(telegram.sent_messages(7950)) > answers
        assert client.last_text() == plain(l10n["ru"], "help")
    finally:
        await harness.stop()
        await proxy.stop()
