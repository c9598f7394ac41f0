"""Two real bot processes side by side on one PostgreSQL and Redis (crashes: test_crash_matrix)."""

import asyncio
import json

from sqlalchemy import func, select

from bot.app import build_app
from bot.settings import Settings
from bot.updates import UserSimulator
from payments.acquirers.sandbox import SIGNATURE_HEADER
from payments.invoices import demo_invoices, save_invoices
from storage.db import create_engine, migrate
from storage.models import Receipt
from tests.conftest import fresh_postgres
from tests.process import BotProcess
from tests.test_callbacks import signed_body

PUBLIC = "https://pay.example.kg"
SANDBOX_SECRET = "instances-sandbox-secret"


class Payments:
    """The test's own hands on the shared database: open payments as the bot would."""

    def __init__(self, database_url: str) -> None:
        self.settings = Settings(
            _env_file=None,
            database_url=database_url,
            public_base_url=PUBLIC,
            sandbox_secret=SANDBOX_SECRET,
        )
        self.app = None

    async def __aenter__(self):
        self.app = build_app(self.settings)
        await migrate(self.app.engine)
        await save_invoices(self.app.sessions, demo_invoices(), only_new=True)
        return self

    async def __aexit__(self, *exc):
        await self.app.stop()

    async def open(self, code: str, user_id: int):
        started = await self.app.payments.start_payment(
            code=code, user_id=user_id, chat_id=user_id, language="ru", description=code
        )
        return started.payment

    def callback(self, payment) -> tuple[bytes, dict[str, str]]:
        body = signed_body(self, payment)
        return body, {SIGNATURE_HEADER: self.app.acquirer.sign(body)}


def bot_env(telegram, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "BOT_TOKEN": telegram.token,
        "BOT_API_URL": telegram.base_url,
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": PUBLIC,
        "SANDBOX_SECRET": SANDBOX_SECRET,
        "OUTBOX_POLL_SECONDS": "0.2",
        **extra,
    }


def receipts(telegram, chat_id: int) -> int:
    return sum("SBX-" in (call.text or "") for call in telegram.sent_messages(chat_id))


async def wait_until(predicate, timeout: float = 15.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def test_two_instances_share_the_work_one_receipt_per_payment(telegram, redis_url, tmp_path):
    database_url = await fresh_postgres()
    engine = create_engine(database_url)
    await migrate(engine)  # before two processes race to create the schema
    await engine.dispose()
    env = bot_env(telegram, database_url, REDIS_URL=redis_url)
    first = BotProcess(env, tmp_path / "a.log", telegram)
    second = BotProcess(env, tmp_path / "b.log", telegram)
    codes = [
        "112026117919",
        "112026125838",
        "162026133757",
        "162026141676",
        "132026149595",
        "172026157514",
    ]
    async with Payments(database_url) as payments:
        await asyncio.gather(first.start(), second.start())
        try:
            opened = [await payments.open(code, user_id=600 + i) for i, code in enumerate(codes)]
            posts = []
            for payment in opened:  # every callback to both instances, twice, at once
                body, headers = payments.callback(payment)
                for instance in (first, second, first, second):
                    posts.append(instance.post_callback(body, headers))
            assert set(await asyncio.gather(*posts)) == {200}
            for i in range(len(codes)):
                assert await wait_until(lambda i=i: receipts(telegram, 600 + i) >= 1)
            await asyncio.sleep(1.0)
            assert [receipts(telegram, 600 + i) for i in range(len(codes))] == [1] * len(codes)
            async with payments.app.sessions() as session:
                assert await session.scalar(select(func.count()).select_from(Receipt)) == 6

            # Telegram updates too: one update id delivered to both is handled once.
            update = UserSimulator(700, "en").message("/help").model_dump_json(exclude_none=True)
            statuses = await asyncio.gather(first.post_update(update), second.post_update(update))
            assert statuses == [200, 200]
            assert await wait_until(lambda: len(telegram.sent_messages(700)) >= 1)
            await asyncio.sleep(0.5)
            assert len(telegram.sent_messages(700)) == 1
        finally:
            await asyncio.gather(first.stop(), second.stop())
    logs = (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    assert logs.count('"outbox.delivered"') >= 6
    assert json.loads(logs.splitlines()[0])["event"]
