"""The ways to run the bot: long polling against the Bot API, HTTP billing, the shell."""

import asyncio
import contextlib
import io
import json
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import build_app
from bot.logs import setup_logging
from bot.settings import Settings
from bot.shell import Shell, TerminalSession
from bot.updates import UserSimulator
from payments.acquirers.sandbox import APPROVE_CARD
from payments.invoices import demo_invoices, save_invoices
from tests.conftest import AppHarness, free_port, make_settings
from tests.test_flow import CODE, l10n, plain, walk_to_bill


async def test_long_polling_answers_updates_from_get_updates(telegram, tmp_path):
    settings = make_settings(telegram, f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite3'}", free_port())
    app = build_app(settings)
    await app.start()
    polling = asyncio.create_task(
        app.dispatcher.start_polling(
            app.bot, handle_signals=False, close_bot_session=False, polling_timeout=1
        )
    )
    sim = UserSimulator(4242, "ky")
    telegram.push_update(json.loads(sim.message("/start").model_dump_json(exclude_none=True)))
    try:
        for _ in range(100):
            if telegram.sent_messages(4242):
                break
            await asyncio.sleep(0.05)
        assert telegram.sent_messages(4242)[0].response["text"] == plain(
            l10n["ky"], "language-choose"
        )
    finally:
        await app.dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        await app.stop()


class DownBilling:
    """A billing API that answers 503 to everything."""

    def __init__(self) -> None:
        self.requests = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        return web.Response(status=503)


async def test_billing_down_gives_a_clear_message(telegram, tmp_path):
    billing = DownBilling()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", billing.handle)
    server = TestServer(app)
    await server.start_server()
    harness = AppHarness(telegram, f"sqlite+aiosqlite:///{tmp_path / 'b.sqlite3'}")
    await harness.start(
        billing="http", billing_api_url=str(server.make_url("/")), billing_retries=1
    )
    try:
        client = harness.client(user_id=9100, language_code="en")
        await client.send("/start")
        await client.click("English")
        await client.send(CODE)
        assert client.last_text() == plain(l10n["en"], "billing-unavailable")
        assert billing.requests == 2  # one try and one retry
    finally:
        await harness.stop()
        await server.close()


async def test_shell_walks_the_flow_without_telegram(tmp_path):
    printed: list[str] = []
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'shell.sqlite3'}",
        http_port=(port := free_port()),
        public_base_url=f"http://localhost:{port}",
        outbox_poll_seconds=0.1,
    )
    session = TerminalSession(out=printed.append, files_dir=tmp_path / "files")
    app = build_app(settings, session=session)
    await app.start()
    await save_invoices(app.sessions, demo_invoices(), only_new=True)
    user = UserSimulator(100_000_001, language_code=None)
    shell = Shell(app, session, user)
    t = l10n["en"]
    try:
        await shell.feed(user.message("/start"))
        for line in ("3", CODE, "3"):  # English (third: ky, ru, en), the code, "I agree"
            assert await shell.handle(line)
        assert any("ASANOV ASAN" in text for text in printed)
        assert await shell.handle("1")  # Pay
        assert any(f"http://localhost:{port}/sandbox/pay/" in text for text in printed)
        assert await shell.handle(f"pay {APPROVE_CARD}")
        for _ in range(100):
            if any("SBX-" in text for text in printed):
                break
            await asyncio.sleep(0.05)
        receipt = next(text for text in printed if "SBX-" in text)
        assert t.plain("payment-status-paid") in receipt
        assert not await shell.handle("quit")
    finally:
        await app.stop()


@pytest.mark.parametrize("fmt", ["json", "console"])
async def test_logs_hold_no_card_number_name_or_token(telegram, tmp_path, fmt):
    stream = io.StringIO()
    setup_logging("DEBUG", fmt, stream=stream)
    harness = AppHarness(telegram, f"sqlite+aiosqlite:///{tmp_path / 'l.sqlite3'}")
    await harness.start()
    try:
        client = harness.client(user_id=9200)
        await walk_to_bill(client, "ru")
        await client.send("моя карта 4242 4242 4242 4242, cvc 123")  # deleted, never logged
        await client.click(l10n["ru"].plain("button-pay"))
        from tests.test_flow import pay_on_page, payment_url

        await pay_on_page(payment_url(client.last_text()))
        await client.wait_for(lambda text: "SBX-" in text)
    finally:
        await harness.stop()
        logging.getLogger().handlers.clear()
    lines = stream.getvalue().splitlines()
    assert any("callback.accepted" in line for line in lines)
    assert any("outbox.delivered" in line for line in lines)
    if fmt == "json":
        assert all(json.loads(line)["event"] for line in lines)
    everything = stream.getvalue()
    for secret in (
        APPROVE_CARD,
        "ASANOV",
        telegram.token,
        telegram.token.split(":")[1],
        "sandbox-development-secret",
        "123",
    ):
        if secret == "123":
            assert "cvc" not in everything.lower()
            continue
        assert secret not in everything, secret
