"""Replies to users honour Telegram's flood control and survive a passing 5xx; a reply that
still fails is logged, never a webhook error; the outbox keeps its own retries."""

import asyncio

import pytest
from aiogram import Dispatcher
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import CallbackQuery, Message
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from structlog.testing import capture_logs

from bot.updates import UserSimulator
from payments.outbox import delivering
from tests.conftest import AppHarness
from tests.test_fake_telegram_api import make_bot
from tests.test_production import SECRET, post_update
from ui.reply import acknowledge
from ui.webhook_answer import WebhookAnswer
from web.webhook import TelegramWebhook


@pytest.fixture
async def app_harness(telegram, tmp_path):
    """The bot on SQLite: nothing here is about the database."""
    harness = AppHarness(telegram, f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    yield harness
    await harness.stop()


@pytest.mark.parametrize(
    "failure",
    [{"status": 429, "retry_after": 1}, {"status": 502, "description": "Bad Gateway"}],
    ids=["429", "502"],
)
async def test_a_reply_refused_for_a_moment_still_reaches_the_user(app_harness, failure):
    """Long polling: the update's handler would raise, and the user would see nothing."""
    await app_harness.start()
    client = app_harness.client(7100)
    app_harness.telegram.fail_next("sendMessage", **failure)
    started = asyncio.get_running_loop().time()
    await client.send("/help")
    sends = app_harness.telegram.calls_to("sendMessage", 7100)
    assert [call.ok for call in sends] == [False, True]
    if failure["status"] == 429:
        assert sends[1].received_at - sends[0].received_at >= 1.0
    assert asyncio.get_running_loop().time() - started < 5


async def test_no_send_fires_into_a_running_retry_after(app_harness):
    """A 429 for a chat holds back every other request to it until its retry_after is over:
    a reply waits, an outbox delivery is refused at once, with no request made."""
    app = await app_harness.start()
    telegram = app_harness.telegram
    telegram.fail_next("sendMessage", status=429, retry_after=2)
    first = asyncio.create_task(app.bot.send_message(7200, "first"))
    await asyncio.sleep(0.3)
    assert len(telegram.calls_to("sendMessage", 7200)) == 1  # refused: its wait has begun
    second = asyncio.create_task(app.bot.send_message(7200, "second"))
    await asyncio.sleep(0.5)
    assert len(telegram.calls_to("sendMessage", 7200)) == 1  # the refused one only

    token = delivering.set(True)
    try:
        with pytest.raises(TelegramRetryAfter) as refused:
            await app.bot.send_message(7200, "a receipt")
    finally:
        delivering.reset(token)
    assert refused.value.retry_after == 2
    assert len(telegram.calls_to("sendMessage", 7200)) == 1

    await asyncio.gather(first, second)
    sends = telegram.calls_to("sendMessage", 7200)
    assert [call.ok for call in sends] == [False, True, True]
    assert min(call.received_at for call in sends[1:]) - sends[0].received_at >= 2.0


async def test_an_outbox_delivery_is_tried_once_per_claim(app_harness):
    """The outbox retries a row later: its request is not retried on top of that."""
    app = await app_harness.start()
    app_harness.telegram.fail_next("sendMessage", status=502, description="Bad Gateway")
    token = delivering.set(True)
    try:
        with pytest.raises(Exception, match="Bad Gateway"):
            await app.bot.send_message(7300, "a receipt")
    finally:
        delivering.reset(token)
    assert len(app_harness.telegram.calls_to("sendMessage", 7300)) == 1


async def test_a_reply_still_failing_is_logged_and_the_webhook_answers_ok(app_harness):
    """Telegram would deliver the update again much later, to a user who has moved on."""
    await app_harness.start(
        bot_mode="webhook", webhook_secret=SECRET, public_base_url="https://pay.example.kg"
    )
    app_harness.telegram.fail_next("sendMessage", status=502, description="Bad Gateway", times=3)
    with capture_logs() as logs:
        assert await post_update(app_harness, UserSimulator(7400, "en").message("/help")) == 200
    assert len(app_harness.telegram.calls_to("sendMessage", 7400)) == 3
    assert [e for e in logs if e["event"] == "reply.undelivered"]


def test_a_webhook_answer_carries_one_button_answer_until_it_is_sent():
    answer = WebhookAnswer()
    first = AnswerCallbackQuery(callback_query_id="1")
    assert answer.carry(first)
    assert not answer.carry(AnswerCallbackQuery(callback_query_id="1", text="again"))
    assert answer.close() is first
    late = WebhookAnswer()
    assert late.close() is None
    assert not late.carry(first)  # the webhook was answered: it goes as a request


async def test_a_handlers_own_method_leaves_the_button_answer_a_request(telegram):
    """The webhook's answer has room for one method: the handler's, so the button's answer
    carried meanwhile is sent as a request instead of being dropped."""
    dispatcher = Dispatcher()

    @dispatcher.callback_query()
    async def pressed(query: CallbackQuery) -> SendMessage:
        await acknowledge(query)
        return SendMessage(chat_id=query.from_user.id, text="Done")

    bot = make_bot(telegram)
    app = web.Application()
    TelegramWebhook(dispatcher, bot, SECRET).register(app, path="/webhook")
    user = UserSimulator(7500, "en")
    shown = Message.model_validate(
        {"message_id": 1, "date": 0, "chat": {"id": 7500, "type": "private"}, "text": "Pay?"}
    )
    press = user.press(shown, "bill:pay")
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    try:
        async with TestServer(app) as server, ClientSession() as http:
            body = press.model_dump_json(exclude_none=True)
            async with http.post(server.make_url("/webhook"), data=body, headers=headers) as r:
                assert r.status == 200
                await telegram.take_webhook_response(r)
    finally:
        await bot.session.close()
    calls = [(c.method, c.via_webhook, c.violations) for c in telegram.calls]
    assert calls == [("answerCallbackQuery", False, []), ("sendMessage", True, [])]
