"""The bot's web server against what any client may send: body sizes per route, malformed
updates, slow clients (issue 16)."""

import asyncio
import errno
import itertools
import json

import aiohttp
import pytest
from aiogram.types import MessageEntity

from bot.updates import UserSimulator
from tests.conftest import AppHarness
from web import limits, server
from web.routes import WEBHOOK_PATH

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


# --------------------------------------------------------------------------------------------
# Slow clients


async def slow_head(port: int, stop: asyncio.Event) -> float | None:
    """Opens a connection and sends a request head a header at a time, every 0.2 s, never
    ending it; returns how long the server kept it open, None if still open at `stop`."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        for n in itertools.count():
            try:
                async with asyncio.timeout(0.2):
                    if await reader.read(1024) == b"":
                        return loop.time() - started
            except TimeoutError:
                pass
            except ConnectionError:
                return loop.time() - started
            if stop.is_set():
                return None
            writer.write(f"X-Drip-{n}: 1\r\n".encode())
    finally:
        writer.close()


async def healthz(port: int) -> tuple[int, float]:
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        return response.status, loop.time() - started


SLOW_CLIENTS = 200


async def test_slow_request_heads_are_cut_off_and_health_still_answers(telegram, database_url):
    harness = AppHarness(telegram, database_url)
    await harness.start(http_header_timeout_seconds=1.5)
    stop = asyncio.Event()
    try:
        clients = [asyncio.create_task(slow_head(harness.port, stop)) for _ in range(SLOW_CLIENTS)]
        await asyncio.sleep(0.5)
        answers = [await healthz(harness.port) for _ in range(5)]
        assert all(status == 200 and took < 1.0 for status, took in answers), answers
        done, _ = await asyncio.wait(clients, timeout=6)
        stop.set()
        held = [await client for client in clients]
        assert len(done) == SLOW_CLIENTS and all(held), "slow clients still connected"
        assert max(held) < 4.5, max(held)
    finally:
        stop.set()
        await harness.stop()


async def test_connections_beyond_the_limit_are_answered_busy_at_once(telegram, database_url):
    harness = AppHarness(telegram, database_url)
    await harness.start(http_max_connections=20, http_header_timeout_seconds=1.0)
    idle = []
    try:
        for _ in range(20):
            idle.append(await asyncio.open_connection("127.0.0.1", harness.port))
        await asyncio.sleep(0.1)
        status, took = await healthz(harness.port)
        assert (status, took < 1.0) == (503, True)
        await asyncio.sleep(1.5)  # the idle ones sent no request head in time
        assert (await healthz(harness.port))[0] == 200
    finally:
        for _, writer in idle:
            writer.close()
        await harness.stop()


async def test_a_slow_body_is_cut_off(harness, monkeypatch):
    monkeypatch.setattr(limits, "BODY_TIMEOUT_SECONDS", 1.0)
    reader, writer = await asyncio.open_connection("127.0.0.1", harness.port)
    try:
        writer.write(
            b"POST /acquirer/sandbox/callback HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"
        )
        async with asyncio.timeout(5):
            status_line = await reader.readline()
    finally:
        writer.close()
    assert status_line.startswith(b"HTTP/1.1 408")


def test_failed_accepts_are_logged_once_per_interval(monkeypatch):
    lines: list[dict] = []
    passed: list[dict] = []

    class Log:
        def error(self, event: str, **fields) -> None:
            lines.append({"event": event} | fields)

    monkeypatch.setattr(server, "log", Log())
    loop = asyncio.new_event_loop()
    try:
        loop.set_exception_handler(lambda _, context: passed.append(context))
        throttle = server.AcceptErrorThrottle(interval=60)
        throttle.install(loop)
        emfile = OSError(errno.EMFILE, "Too many open files")
        for _ in range(1000):
            loop.call_exception_handler(
                {"message": "socket.accept() out of system resource", "exception": emfile}
            )
        loop.call_exception_handler({"message": "something else"})
        assert lines == [{"event": "http.accept_failed", "reason": "OSError", "suppressed": 0}]
        assert throttle.suppressed == 999
        assert passed == [{"message": "something else"}]
        throttle.uninstall(loop)
        assert loop.get_exception_handler() is not throttle
    finally:
        loop.close()


async def test_an_update_whose_body_trickles_in_too_slowly_is_answered_408(webhook, monkeypatch):
    monkeypatch.setattr(limits, "BODY_TIMEOUT_SECONDS", 0.5)
    body = json.dumps(UserSimulator(6301, "ru").message("/start").model_dump(mode="json")).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", webhook.port)
    try:
        head = (
            f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + body[:10])  # and the rest never
        async with asyncio.timeout(5):
            status_line = await reader.readline()
    finally:
        writer.close()
    assert status_line.split()[1] == b"408"
    assert await post_update(webhook, body) == 200  # whole at once: handled
