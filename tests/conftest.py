import asyncio
import os
import socket
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.app import App, build_app
from bot.settings import Settings
from payments.invoices import demo_invoices, save_invoices
from storage.db import SessionFactory, create_engine, create_session_factory, migrate
from storage.models import OutboxMessage
from tests.client import BotClient
from tests.fakes.telegram_api import FakeTelegram

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# CI sets REQUIRE_SERVICES=1: there a missing PostgreSQL or Redis is a failure, not a skip.
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
BACKENDS = os.environ.get("TEST_BACKENDS", "sqlite,postgresql").split(",")


def service_missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


async def fresh_postgres() -> str:
    url = make_url(POSTGRES_URL)
    try:
        connection = await asyncpg.connect(
            host=url.host, port=url.port, user=url.username, database=url.database, timeout=3
        )
    except (OSError, asyncpg.PostgresError) as error:
        service_missing(f"PostgreSQL not reachable at {url.host}:{url.port} ({error})")
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()
    return POSTGRES_URL


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    return await fresh_postgres()


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[SessionFactory]:
    """The bot's session factory on a migrated database, without the rest of the bot."""
    engine = create_engine(database_url)
    await migrate(engine)
    yield create_session_factory(engine)
    await engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
        fake.assert_clean()


def make_settings(telegram: FakeTelegram, database_url: str, port: int, **overrides) -> Settings:
    values = {
        "bot_token": telegram.token,
        "bot_api_url": telegram.base_url,
        "database_url": database_url,
        "http_host": "127.0.0.1",
        "http_port": port,
        "public_base_url": f"http://127.0.0.1:{port}",
        "outbox_poll_seconds": 0.2,
        "log_format": "json",
        "sandbox_secret": "tests-sandbox-secret",  # webhook tests use a public (https) address
    }
    return Settings(_env_file=None, **(values | overrides))


class AppHarness:
    """Starts and restarts the bot on one database, as a process would."""

    def __init__(self, telegram: FakeTelegram, database_url: str) -> None:
        self.telegram = telegram
        self.database_url = database_url
        self.port = free_port()
        self.app: App | None = None

    async def start(self, **overrides) -> App:
        settings = make_settings(self.telegram, self.database_url, self.port, **overrides)
        self.app = build_app(settings)
        await self.app.start()
        await save_invoices(self.app.sessions, demo_invoices(), only_new=True)
        return self.app

    async def restart(self) -> App:
        await self.stop()
        return await self.start()

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.stop()
            self.app = None

    def client(self, user_id: int = 5001, language_code: str | None = "ru") -> BotClient:
        return BotClient(self, user_id, language_code)


@pytest.fixture
async def harness(telegram: FakeTelegram, database_url: str) -> AsyncIterator[AppHarness]:
    harness = AppHarness(telegram, database_url)
    await harness.start()
    yield harness
    await harness.stop()


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
async def redis_url() -> str:
    """A reachable Redis with an empty test database, or a skip with the reason."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.flushdb()
    except (RedisError, OSError) as error:
        service_missing(f"Redis not reachable at {REDIS_URL} ({error})")
    finally:
        await client.aclose()
    return REDIS_URL


async def outbox_settled(sessions, timeout: float = 30.0) -> bool:
    """Everything queued in the outbox is recorded as sent (receipts, PDFs, notices). After a
    restart the first PDF waits for a new worker process: seconds on a busy machine."""
    for _ in range(int(timeout / 0.1)):
        async with sessions() as session:
            unsent = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != "sent")
            )
        if unsent == 0:
            return True
        await asyncio.sleep(0.1)
    return False
