"""The bot's web server against what any client may send: body sizes per route, malformed
updates, slow clients (issue 16)."""

import json

import aiohttp
import pytest
from aiogram.types import MessageEntity

from bot.updates import UserSimulator
from bot.web import WEBHOOK_PATH
from tests.conftest import AppHarness

SECRET = "webhook-secret_1"


async def post(harness: AppHarness, path: str, body: bytes, headers: dict[str, str]) -> int:
    url = f"http://127.0.0.1:{harness.port}{path}"
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        await r.read()
        return r.status


async def post_update(harness: AppHarness, body: bytes) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    return await post(harness, WEBHOOK_PATH, body, headers)


@pytest.fixture
async def webhook(telegram, database_url):
    harness = AppHarness(telegram, database_url)
    await harness.start(
        bot_mode="webhook", webhook_secret=SECRET, public_base_url="https://pay.example.kg"
    )
    yield harness
    await harness.stop()


async def test_an_update_larger_than_a_callback_is_handled(webhook, telegram):
    user = UserSimulator(6300, "ru")
    text = "ж" * 4096  # Telegram's longest message, 6 bytes a letter as JSON escapes
    entities = [MessageEntity(type="bold", offset=i * 4, length=1) for i in range(1024)]
    update = user.message(text, entities=entities).model_dump(mode="json", exclude_none=True)
    body = json.dumps(update).encode()  # as Telegram sends it, with \u escapes
    assert len(body) > 64 * 1024
    assert await post_update(webhook, body) == 200
    assert telegram.sent_messages(6300)


async def test_an_update_beyond_the_webhook_limit_is_refused(webhook):
    body = b'{"update_id": 1, "x": "' + b"a" * 1024 * 1024 + b'"}'
    assert await post_update(webhook, body) == 413


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe{}", b"[]", b'{"update_id": "one"}', b""])
async def test_a_malformed_update_is_taken_and_dropped(webhook, telegram, body):
    assert await post_update(webhook, body) == 200
    # The secret is still checked first.
    assert await post(webhook, WEBHOOK_PATH, body, {"Content-Type": "application/json"}) == 401


async def test_a_callback_keeps_its_own_smaller_limit(harness):
    body = json.dumps({"order_id": "x", "pad": "a" * 65 * 1024}).encode()
    assert await post(harness, "/acquirer/sandbox/callback", body, {}) == 413
