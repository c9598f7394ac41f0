"""The simulated users and acquirer: load generators that run beside the fake Bot API, in the
harness process, so that none of their work is counted as the bot's.

A step's service latency is taken from the fake's own clock: from the moment the update is
posted to the arrival of the bot's last Bot API call for that chat (the webhook's answer and
the client's reading of it left out).
"""

import asyncio
import base64
import time
from typing import Any

import aiohttp
from aiogram.types import Message

from bot.updates import UserSimulator
from tests.fakes.telegram_api import FakeTelegram

SECRET = "bench-secret"  # noqa: S105 (the fake webhook secret of a local benchmark)
PATH = "/bench/webhook"
STEPS = ("start", "language", "code", "consent", "pay")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def spread_ms(values: list[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "p50_ms": percentile(values, 0.5) * 1000,
        "p99_ms": percentile(values, 0.99) * 1000,
    }


class Poster:
    """Posts updates to a webhook endpoint, one HTTP client for all, and has the fake carry out
    the method a webhook's answer carries, as Telegram does."""

    def __init__(self, url: str, telegram: FakeTelegram) -> None:
        self.url = url
        self.telegram = telegram
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=200),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
        )

    async def post(self, update: Any) -> None:
        async with self.http.post(self.url, data=update.model_dump_json(exclude_none=True)) as r:
            if r.status != 200:
                raise RuntimeError(f"webhook answered {r.status}")
            await self.telegram.take_webhook_response(r)

    async def close(self) -> None:
        await self.http.close()


def update_chat(update: Any) -> int:
    event = update.message or update.callback_query.message
    return event.chat.id


def button_data(message: Message | None, prefix: str) -> str:
    """The callback data of the message's button that starts with `prefix`, as the bot made it
    (buttons naming a code carry the bot's tag for the chat)."""
    for row in message.reply_markup.inline_keyboard if message and message.reply_markup else []:
        for button in row:
            if button.callback_data and button.callback_data.startswith(prefix):
                return button.callback_data
    raise LookupError(f"no {prefix!r} button in the bot's message")


def calls_since(telegram: FakeTelegram, chat_id: int, since: float) -> list[Any]:
    """The bot's calls for a chat that arrived at the fake from `since` on, newest first."""
    found = []
    for call in reversed(telegram.calls):
        if call.received_at < since:
            break
        if call.chat_id == chat_id:
            found.append(call)
    return found


async def flood(telegram: FakeTelegram, url: str, users: int, seconds: float) -> dict[str, Any]:
    """Users typing "hello" as fast as the bot answers, for `seconds`: the echo's ceiling."""
    poster = Poster(url, telegram)
    count = 0
    deadline = time.perf_counter() + seconds

    async def user(user_id: int) -> None:
        nonlocal count
        sim = UserSimulator(user_id, "en")
        while time.perf_counter() < deadline:
            await poster.post(sim.message("hello"))
            count += 1

    started = time.perf_counter()
    await asyncio.gather(*(user(1_000_000 + i) for i in range(users)))
    elapsed = time.perf_counter() - started
    await poster.close()
    return {"updates": count, "seconds": elapsed}


async def walk(
    telegram: FakeTelegram,
    url: str,
    users: int,
    rounds: int,
    codes: list[str],
    first_user: int,
    *,
    one_at_a_time: bool = False,
) -> dict[str, Any]:
    """Each user: /start → language → code → I agree (details shown) → Pay, `rounds` times,
    each round a code of their own; all users at once (closed loop), or one after another
    (nothing queued: the service latency of each step)."""
    poster = Poster(url, telegram)
    round_trips: dict[str, list[float]] = {k: [] for k in STEPS}
    service: dict[str, list[float]] = {k: [] for k in STEPS}

    async def step(kind: str, update: Any) -> Message | None:
        """Post an update; return the newest message with buttons the bot sent for it."""
        chat_id = update_chat(update)
        posted = time.monotonic()
        await poster.post(update)
        round_trips[kind].append(time.monotonic() - posted)
        calls = calls_since(telegram, chat_id, posted)
        if calls:
            service[kind].append(calls[0].received_at - posted)
        for call in calls:
            if (call.response or {}).get("reply_markup"):
                return Message.model_validate(call.response)
        return None

    async def user(index: int) -> None:
        sim = UserSimulator(first_user + index, "ru")
        for round_ in range(rounds):
            message = await step("start", sim.message("/start"))
            if round_ == 0:
                await step("language", sim.press(message, "lang:ru"))
            code = codes[index * rounds + round_]
            message = await step("code", sim.message(code))
            if round_ == 0:
                agree = button_data(message, "consent:agree:")
                message = await step("consent", sim.press(message, agree))
            await step("pay", sim.press(message, button_data(message, "bill:pay:")))

    started = time.perf_counter()
    if one_at_a_time:
        for i in range(users):
            await user(i)
    else:
        await asyncio.gather(*(user(i) for i in range(users)))
    elapsed = time.perf_counter() - started
    await poster.close()
    everything = [v for values in round_trips.values() for v in values]
    return {
        "users": users,
        "steps": len(everything),
        "seconds": elapsed,
        "p50_ms": percentile(everything, 0.5) * 1000,
        "p99_ms": percentile(everything, 0.99) * 1000,
        "per_step_p99_ms": {k: percentile(v, 0.99) * 1000 for k, v in round_trips.items()},
        "service_ms": {k: spread_ms(v) for k, v in service.items()},
    }


async def callbacks(
    telegram: FakeTelegram, url: str, rate: int, items: list[dict[str, Any]], wait: float
) -> dict[str, Any]:
    """Signed acquirer callbacks posted at a steady `rate`; each one's latency from its post
    to the arrival at the fake of its receipt (a sendMessage with the receipt's number)."""
    arrived: dict[int, float] = {}
    answered: dict[int, float] = {}
    async with aiohttp.ClientSession() as http:

        async def post(item: dict[str, Any]) -> None:
            chat = item["chat_id"]
            arrived[chat] = time.monotonic()
            body = base64.b64decode(item["body"])
            async with http.post(url, data=body, headers=item["headers"]) as response:
                await response.read()
            answered[chat] = time.monotonic()

        tasks = []
        started = time.perf_counter()
        for index, item in enumerate(items):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(item)))
        await asyncio.gather(*tasks)
    deadline = time.monotonic() + wait
    receipts: dict[int, float] = {}
    while time.monotonic() < deadline and len(receipts) < len(items):
        receipts = {
            call.chat_id: call.received_at
            for call in telegram.calls_to("sendMessage")
            if call.chat_id in arrived and "SBX-" in (call.text or "")
        }
        await asyncio.sleep(0.2)
    latencies = [receipts[chat] - arrived[chat] for chat in receipts]
    return {
        "callbacks": len(items),
        "receipts": len(latencies),
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "callback_answer_p99_ms": percentile(
            [answered[chat] - arrived[chat] for chat in answered], 0.99
        )
        * 1000,
    }


async def burst(telegram: FakeTelegram, chats: list[int], started: float, wait: float) -> dict:
    """Waits until every chat has its receipt (the outbox was started just after `started`),
    the fake answering 429 beyond Telegram's pace."""
    wanted = set(chats)
    deadline = time.monotonic() + wait
    delivered: set[int] = set()
    while time.monotonic() < deadline and len(delivered) < len(wanted):
        delivered = {
            c.chat_id
            for c in telegram.calls
            if c.method == "sendMessage" and c.response is not None and "SBX-" in (c.text or "")
        } & wanted
        await asyncio.sleep(0.2)
    elapsed = time.monotonic() - started
    calls = [c for c in telegram.calls if c.method in ("sendMessage", "sendDocument")]
    sent = [c for c in calls if c.response is not None]
    return {
        "receipts": len(wanted),
        "delivered": len(delivered),
        "lost": len(wanted) - len(delivered),
        "messages_per_second": len(sent) / elapsed,
        "share_of_30": len(sent) / elapsed / 30,
        "answered_429_share": (len(calls) - len(sent)) / max(1, len(calls)),
    }


async def park(
    telegram: FakeTelegram, url: str, conversations: int, first_user: int
) -> dict[str, Any]:
    """Users who send /start and stop at the language choice, 50 at a time."""
    poster = Poster(url, telegram)
    semaphore = asyncio.Semaphore(50)

    async def one(index: int) -> None:
        async with semaphore:
            await poster.post(UserSimulator(first_user + index, "ru").message("/start"))

    await asyncio.gather(*(one(i) for i in range(conversations)))
    await poster.close()
    return {"conversations": conversations}
