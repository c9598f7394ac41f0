"""Production mode in one process: webhook, Redis, health and metrics, Telegram faults,
reconciliation and expiry."""

import asyncio
import gc
import json
import sys
from datetime import timedelta

import aiohttp
import pytest
from aiogram.types import Message
from sqlalchemy import select, update

from bot import cli
from bot.settings import Settings
from bot.updates import UserSimulator
from core.clock import utcnow
from storage.models import OutboxMessage, Payment, User
from tests.conftest import AppHarness, free_port, make_settings
from tests.test_callbacks import open_payment, post_callback, receipts_sent, signed_body
from tests.test_flow import CODE, l10n, pay_on_page, payment_url, plain
from web.routes import WEBHOOK_PATH

SECRET = "webhook-secret_1"


async def post_update(harness: AppHarness, update, secret: str | None = SECRET) -> int:
    """`update` delivered as Telegram does, which carries out the method in the answer."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    url = f"http://127.0.0.1:{harness.port}{WEBHOOK_PATH}"
    body = update.model_dump_json(exclude_none=True)
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            url, data=body, headers=headers | {"Content-Type": "application/json"}
        ) as response,
    ):
        await harness.telegram.take_webhook_response(response)
        return response.status


async def eventually(check, timeout: float = 5.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await check()
        if result or loop.time() > deadline:
            return result
        await asyncio.sleep(0.05)


def test_webhook_mode_needs_a_secret_and_https():
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        Settings(_env_file=None, bot_mode="webhook", public_base_url="https://pay.example.kg")
    with pytest.raises(ValueError, match="https"):
        Settings(_env_file=None, bot_mode="webhook", webhook_secret="s")


async def test_webhook_needs_the_secret_and_handles_an_update_once(telegram, database_url):
    harness = AppHarness(telegram, database_url)
    await harness.start(
        bot_mode="webhook", webhook_secret=SECRET, public_base_url="https://pay.example.kg"
    )
    try:
        assert telegram.webhook["url"] == f"https://pay.example.kg{WEBHOOK_PATH}"
        assert telegram.webhook["secret_token"] == SECRET
        user = UserSimulator(6100, "en")
        update = user.message("/start")
        assert await post_update(harness, update, secret=None) == 401
        assert await post_update(harness, update, secret="wrong") == 401
        assert await post_update(harness, update, secret="wrongé") == 401
        assert not telegram.sent_messages(6100)
        assert await post_update(harness, update) == 200
        assert await post_update(harness, update) == 200  # Telegram redelivers it
        await eventually(lambda: _async(len(telegram.sent_messages(6100)) >= 1))
        await asyncio.sleep(0.3)
        assert len(telegram.sent_messages(6100)) == 1
        metrics = await _get(harness, "/metrics")
        assert 'bot_updates_total{kind="duplicate"} 1.0' in metrics
        assert 'bot_updates_total{kind="message"} 1.0' in metrics
    finally:
        await harness.stop()


async def test_a_pressed_button_is_answered_with_the_webhooks_answer(telegram, database_url):
    """A request fewer a press: the button's answer goes with the webhook's answer, checked
    against the Bot API spec like any request. Fed outside a webhook request (polling, the
    shell) it is a request of its own."""
    harness = AppHarness(telegram, database_url)
    await harness.start(
        bot_mode="webhook", webhook_secret=SECRET, public_base_url="https://pay.example.kg"
    )
    try:
        user = UserSimulator(6150, "en")
        assert await post_update(harness, user.message("/start")) == 200
        question = Message.model_validate(telegram.sent_messages(6150)[-1].response)
        press = user.press(question, "lang:en")
        assert await post_update(harness, press) == 200
        answers = telegram.calls_to("answerCallbackQuery")
        assert [(c.params, c.via_webhook, c.violations, c.error) for c in answers] == [
            ({"callback_query_id": press.callback_query.id, "show_alert": False}, True, [], None)
        ]
        assert telegram.calls[-1] is answers[0]  # after the step's message, not before it
        assert plain(l10n["en"], "ask-code") in telegram.chat_messages(6150)[-1]["text"]

        client = harness.client(6151, language_code="en")
        await client.send("/start")
        calls = await client.click("English")
        assert [c.via_webhook for c in calls if c.method == "answerCallbackQuery"] == [False]
    finally:
        await harness.stop()


async def test_the_running_bot_keeps_its_startup_heap_out_of_garbage_collection(
    telegram, tmp_path, monkeypatch
):
    frozen: list[int] = []

    async def until_stopped() -> None:
        frozen.append(gc.get_freeze_count())

    monkeypatch.setattr(cli, "_until_stopped", until_stopped)
    port = free_port()
    settings = make_settings(
        telegram,
        f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        port,
        bot_mode="webhook",
        webhook_secret=SECRET,
        public_base_url="https://pay.example.kg",
    )
    assert await cli.run_bot(settings) == 0
    assert frozen[0] > 100_000  # aiogram's types alone are more
    assert gc.get_freeze_count() == 0  # and given back when it stops


async def _async(value):
    return value


async def _get(harness: AppHarness, path: str, status: int = 200) -> str:
    url = f"http://127.0.0.1:{harness.port}{path}"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == status, await response.text()
        return await response.text()


async def test_health_readiness_and_metrics(harness):
    assert await _get(harness, "/healthz") == "ok"
    assert json.loads(await _get(harness, "/readyz")) == {"ready": True}
    payment = await open_payment(harness, 6200)
    await post_callback(harness, signed_body(harness, payment))
    await harness.client(6200).wait_for(lambda text: "SBX-" in text)
    metrics = await _get(harness, "/metrics")
    assert 'payments{status="paid"} 1.0' in metrics
    assert 'acquirer_callbacks_total{acquirer="sandbox",answer="accepted"} 1.0' in metrics
    assert "outbox_depth" in metrics and "outbox_oldest_age_seconds" in metrics
    if sys.platform == "linux":  # the process's own figures come from /proc
        assert "process_open_fds " in metrics and "process_max_fds " in metrics


async def test_readiness_fails_when_redis_is_gone(telegram, tmp_path):
    harness = AppHarness(telegram, f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite3'}")
    await harness.start(redis_url="redis://127.0.0.1:1/0")
    try:
        body = json.loads(await _get(harness, "/readyz", status=503))
        assert body == {"ready": False, "failed": ["redis"]}
    finally:
        await harness.stop()


async def test_a_redis_that_never_answers_fails_fast(telegram, tmp_path):
    """It accepts connections and says nothing: readiness and users get an answer in seconds,
    not when the kernel gives up on the socket."""
    silent = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    harness = AppHarness(telegram, f"sqlite+aiosqlite:///{tmp_path / 's.sqlite3'}")
    await harness.start(redis_url=f"redis://127.0.0.1:{port}/0")
    try:
        async with asyncio.timeout(10):
            body = json.loads(await _get(harness, "/readyz", status=503))
            assert body == {"ready": False, "failed": ["redis"]}
            client = harness.client(6350)
            await client.send("/help")
        assert client.last_text() == plain(l10n["ru"], "service-unavailable")
    finally:
        await harness.stop()
        silent.close()


async def test_flow_with_redis_survives_a_restart(telegram, database_url, redis_url):
    harness = AppHarness(telegram, database_url)
    await harness.start(redis_url=redis_url)
    try:
        t = l10n["ky"]
        client = harness.client(user_id=6300, language_code="ky")
        await client.send("/start")
        await client.click("Кыргызча")
        await harness.stop()
        await harness.start(redis_url=redis_url)
        await client.send("no digits")  # the code step, kept in Redis
        assert client.last_text() == plain(t, "code-invalid")
        from redis.asyncio import Redis

        redis = Redis.from_url(redis_url)
        keys = [key.decode() for key in await redis.keys("fsm:*")]
        ttl = await redis.ttl(keys[0])
        await redis.aclose()
        assert keys and 0 < ttl <= 24 * 3600
    finally:
        await harness.stop()


async def test_telegram_429_and_5xx_are_retried_and_deliver_once(harness):
    payment = await open_payment(harness, 6400)
    harness.telegram.fail_next("sendMessage", status=429, retry_after=1)
    harness.telegram.fail_next("sendMessage", status=502, description="Bad Gateway")
    started = asyncio.get_running_loop().time()
    assert await post_callback(harness, signed_body(harness, payment)) == 200
    await harness.client(6400).wait_for(lambda text: "SBX-" in text, timeout=10)
    assert asyncio.get_running_loop().time() - started >= 1.0  # waited its retry_after
    await asyncio.sleep(0.3)
    assert receipts_sent(harness, 6400) == 1
    async with harness.app.sessions() as session:
        receipt = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "receipt"))
    assert receipt.status == "sent" and receipt.attempts == 3


async def test_blocked_user_gets_the_receipt_when_back(harness):
    payment = await open_payment(harness, 6500)
    harness.telegram.fail_next("sendMessage", status=403)
    assert await post_callback(harness, signed_body(harness, payment)) == 200

    async def held():
        async with harness.app.sessions() as session:
            row = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "receipt"))
            user = await session.get(User, 6500)
        return row.status == "held" and user.unreachable_at is not None

    assert await eventually(held)
    assert receipts_sent(harness, 6500) == 0
    client = harness.client(6500)
    await client.send("/help")  # unblocked and wrote again
    await client.wait_for(lambda text: "SBX-" in text)
    assert receipts_sent(harness, 6500) == 1


async def test_lost_callback_is_recovered_by_reconciliation(telegram, database_url):
    harness = AppHarness(telegram, database_url)
    # The card page's callback goes to a dead address: the acquirer's message is lost.
    await harness.start(reconcile_after_minutes=0.001, reconcile_interval_seconds=3600)
    try:
        payment = await open_payment(harness, 6600)
        harness.app.acquirer._public_base = "http://127.0.0.1:1"
        url = payment_url(harness.client(6600).last_text())
        await pay_on_page(url)
        await asyncio.sleep(0.1)
        refreshed = await harness.app.payment_records.by_order(payment.order_id)
        assert refreshed.status == "created"
        assert await harness.app.reconciler.run_once() == 1
        await harness.client(6600).wait_for(lambda text: "SBX-" in text)
        assert await harness.app.reconciler.run_once() == 0  # nothing left to ask about
    finally:
        await harness.stop()


async def test_expired_link_tells_the_user_and_a_late_paid_callback_still_gives_a_receipt(
    telegram, database_url
):
    harness = AppHarness(telegram, database_url)
    await harness.start(reconcile_after_minutes=0.001, reconcile_interval_seconds=3600)
    try:
        t = l10n["ru"]
        payment = await open_payment(harness, 6700)
        async with harness.app.sessions() as session, session.begin():
            await session.execute(
                update(Payment).values(expires_at=utcnow() - timedelta(seconds=1))
            )
        await asyncio.sleep(0.1)  # older than RECONCILE_AFTER_MINUTES
        assert await harness.app.reconciler.run_once() == 1
        client = harness.client(6700)
        notice = await client.wait_for(lambda text: "истёк" in text)
        assert notice == plain(t, "payment-expired", code=CODE)
        assert client.find_button(t.plain("button-new-link"))
        # The acquirer took the money after all: the receipt still comes.
        assert await post_callback(harness, signed_body(harness, payment)) == 200
        await client.wait_for(lambda text: "SBX-" in text)
        refreshed = await harness.app.payment_records.by_order(payment.order_id)
        assert refreshed.status == "paid"
    finally:
        await harness.stop()


async def test_database_outage_answers_users_and_asks_the_acquirer_to_retry(harness):
    """The database goes away for a while: users are told to try again in a minute, the
    acquirer gets an error answer (so it retries), and everything resumes when it is back."""
    from storage.db import create_engine, create_session_factory

    payment = await open_payment(harness, 6800)
    body = signed_body(harness, payment)
    working = harness.app.sessions
    dead = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    away = create_session_factory(dead)
    holders = (harness.app.payment_records, harness.app.users, harness.app.dispatcher.storage)
    for holder in holders:
        holder.__dict__["_sessions"] = away
    client = harness.client(6800)
    try:
        # /history reads the database (/help may be answered from a single instance's memory)
        await client.send("/history")
        assert client.last_text() == plain(l10n["ru"], "service-unavailable")
        # A button pressed meanwhile stops spinning and is answered the same way.
        pressed = client.sim.press(Message.model_validate(client.messages()[-1]), "histr:1")
        calls = await client.feed(pressed)
        assert [call.method for call in calls] == ["answerCallbackQuery", "sendMessage"]
        assert client.last_text() == plain(l10n["ru"], "service-unavailable")
        assert await post_callback(harness, body) == 503  # not recorded: retry later
    finally:
        for holder in holders:
            holder.__dict__["_sessions"] = working
        await dead.dispose()
    assert await post_callback(harness, body) == 200  # the acquirer's retry
    await client.wait_for(lambda text: "SBX-" in text)


async def test_a_stopping_bot_finishes_the_updates_it_took(telegram, tmp_path):
    """In long polling Telegram is told an update was received before it is handled: stopped
    mid-way, the bot finishes it rather than losing it."""
    harness = AppHarness(telegram, f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite3'}")
    app = await harness.start()
    update = UserSimulator(6450, "en").message("/help")
    telegram.push_update(json.loads(update.model_dump_json(exclude_none=True)))
    telegram.hold("sendMessage")
    polling = asyncio.create_task(
        app.dispatcher.start_polling(app.bot, handle_signals=False, close_bot_session=False)
    )

    async def reply_on_its_way() -> bool:
        return telegram.held.get("sendmessage", 0) >= 1

    try:
        assert await eventually(reply_on_its_way)
        await app.dispatcher.stop_polling()
        await polling
        asyncio.get_running_loop().call_later(0.3, telegram.release, "sendMessage")
    finally:
        await harness.stop()
    assert telegram.sent_messages(6450)


async def test_telegram_is_told_of_the_webhook_once_it_listens(telegram, database_url):
    """Telegram may send an update the moment setWebhook returns: the port must be open."""
    import socket

    harness = AppHarness(telegram, database_url)
    listening: list[bool] = []

    def set_webhook(params):
        with socket.socket() as sock:
            listening.append(sock.connect_ex(("127.0.0.1", harness.port)) == 0)
        return True

    telegram.set_result("setWebhook", set_webhook)
    await harness.start(
        bot_mode="webhook", webhook_secret=SECRET, public_base_url="https://pay.example.kg"
    )
    await harness.stop()
    assert listening == [True]


async def test_a_refused_commands_menu_does_not_stop_the_start(telegram, tmp_path):
    telegram.fail_next("setMyCommands", status=400, description="Bad Request: try later")
    harness = AppHarness(telegram, f"sqlite+aiosqlite:///{tmp_path / 'c.sqlite3'}")
    await harness.start()
    try:
        assert json.loads(await _get(harness, "/readyz")) == {"ready": True}
    finally:
        await harness.stop()
