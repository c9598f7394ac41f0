"""An update is handled once, yet never lost: one cut short (a crash) is handled when Telegram
delivers it again, and one being handled is not answered for. And Redis away for a while."""

import asyncio
import contextlib
from urllib.parse import urlsplit

import aiohttp
from redis.asyncio import Redis

from bot.updates import UserSimulator
from storage.seen_updates import Claim, MemorySeenUpdates, RedisSeenUpdates
from tests.conftest import AppHarness, free_port
from tests.test_callbacks import open_payment, post_callback, signed_body
from tests.test_flow import l10n, plain
from tests.test_production import SECRET
from web.routes import WEBHOOK_PATH
from web.webhook import RETRY_AFTER_SECONDS


async def claims_once_and_frees_a_failed_one(seen) -> None:
    assert await seen.claim(10) is Claim.NEW
    assert await seen.claim(10) is Claim.IN_PROGRESS
    await seen.done(10)
    assert await seen.claim(10) is Claim.DONE
    assert await seen.claim(11) is Claim.NEW
    await seen.forget(11)  # its handler raised: the next delivery handles it
    assert await seen.claim(11) is Claim.NEW


async def test_an_update_is_claimed_once_in_memory():
    await claims_once_and_frees_a_failed_one(MemorySeenUpdates())


async def test_an_update_is_claimed_once_in_redis(redis_url):
    redis = Redis.from_url(redis_url)
    try:
        await claims_once_and_frees_a_failed_one(RedisSeenUpdates(redis, bot_id=1))
    finally:
        await redis.aclose()


async def test_a_claim_in_redis_lapses_when_its_instance_died(redis_url):
    redis = Redis.from_url(redis_url)
    seen = RedisSeenUpdates(redis, bot_id=2, busy_seconds=1)
    try:
        assert await seen.claim(20) is Claim.NEW  # ... and the instance is killed here
        assert await seen.claim(20) is Claim.IN_PROGRESS
        await asyncio.sleep(1.2)
        assert await seen.claim(20) is Claim.NEW  # Telegram's next delivery is handled
    finally:
        await redis.aclose()


async def post(harness: AppHarness, body: str) -> aiohttp.ClientResponse:
    url = f"http://127.0.0.1:{harness.port}{WEBHOOK_PATH}"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        await r.read()
        return r


async def test_an_update_another_instance_is_handling_is_not_answered_for(telegram, redis_url):
    """Redis holds the claim of an instance still at work on the update (or dead in it, till
    the claim lapses): Telegram is asked to deliver it again later, then it is answered."""
    harness = AppHarness(telegram, "sqlite+aiosqlite:///:memory:")
    await harness.start(
        bot_mode="webhook",
        webhook_secret=SECRET,
        public_base_url="https://pay.example.kg",
        redis_url=redis_url,
    )
    redis = Redis.from_url(redis_url)
    other_instance = RedisSeenUpdates(redis, harness.app.bot.id)
    try:
        update = UserSimulator(6950, "en").message("/help")
        body = update.model_dump_json(exclude_none=True)
        assert await other_instance.claim(update.update_id) is Claim.NEW
        busy = await post(harness, body)
        assert busy.status == 503
        assert busy.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        await other_instance.done(update.update_id)
        assert (await post(harness, body)).status == 200  # handled there: answered, not here
        assert telegram.sent_messages(6950) == []
        await other_instance.forget(update.update_id)  # its handler failed there
        assert (await post(harness, body)).status == 200
        assert len(telegram.sent_messages(6950)) == 1
    finally:
        await redis.aclose()
        await harness.stop()


class TcpProxy:
    """Between the bot and Redis, to take Redis away and bring it back."""

    def __init__(self, upstream_port: int) -> None:
        self.port = free_port()
        self._upstream = upstream_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)

    async def cut(self) -> None:
        """Connections drop and new ones are refused, as when Redis is down."""
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._upstream)
        self._writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()
            target.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


async def test_redis_away_for_a_while(telegram, tmp_path, redis_url):
    """Users are told to try again in a minute; payments and receipts, which live in the
    database, go on; when Redis is back, so is the conversation."""
    proxy = TcpProxy(urlsplit(redis_url).port or 6379)
    await proxy.start()
    harness = AppHarness(telegram, f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite3'}")
    await harness.start(redis_url=f"redis://127.0.0.1:{proxy.port}/{redis_url.rsplit('/', 1)[1]}")
    try:
        payment = await open_payment(harness, 6960)
        client = harness.client(6960)
        await proxy.cut()
        await client.send("/help")
        assert client.last_text() == plain(l10n["ru"], "service-unavailable")
        assert await post_callback(harness, signed_body(harness, payment)) == 200
        await client.wait_for(lambda text: "SBX-" in text)  # the receipt came all the same
        await proxy.start()
        await client.send("/help")
        assert client.last_text() == plain(l10n["ru"], "help")
    finally:
        await harness.stop()
        await proxy.cut()
