"""The benchmark suite: the bot in webhook mode against the local fake Bot API over real HTTP.

1. ceiling: a bare aiogram echo bot, same framework, session and fake server: updates/s.
2. conversation: users walking start → language → code → consent → details → pay, many at
   once: steps/s and p50/p99 per step, embedded default and PostgreSQL + Redis; for reference,
   the same walk against a bare bot making the same Bot API calls and nothing else.
3. callback → receipt: signed acquirer callbacks at a steady 50/s: p50/p99 from arrival to
   the receipt's sendMessage.
4. burst: 1,000 receipts to 1,000 chats, the fake enforcing Telegram's pace (429 beyond).
5. memory: RSS growth with 10,000 conversations parked mid-flow (embedded default).

Every bot here, the bare ones too, freezes its start-up heap once started, as `payment-bot
run` does (bot/heap.py): each row measures a bot, not the garbage collector going through
the modules and the records of the rows before it.

Benchmarks 1 and 2 run `--repeat` times (3), each conversation row's ratio taken to the
ceiling measured just before it, and the table gives the median run with the range: on a
shared machine the speed drifts by a third within minutes, which a single pass would read
as a change of the bot.
"""

import argparse
import asyncio
import json
import os
import platform
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from bot.app import App, build_app
from bot.heap import freeze_startup_heap
from bot.logs import setup_logging
from bot.settings import Settings
from bot.telegram_session import TelegramSession
from bot.updates import UserSimulator
from bot.webhook import TelegramWebhook
from payments.acquirers.sandbox import APPROVE_CARD, SIGNATURE_HEADER, CardForm
from payments.clock import utcnow
from payments.invoices import demo_invoices, save_invoices
from payments.money import Money
from storage.models import Invoice, Payment
from tests.fakes.telegram_api import FakeTelegram

CONVERSATION_ROWS = (
    "conversation_calls_only",
    "conversation_embedded",
    "conversation_postgres_redis",
)
SECRET = "bench-secret"  # noqa: S105 (the fake webhook secret of a local benchmark)
PATH = "/bench/webhook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Poster:
    """Posts updates to a webhook endpoint, one HTTP client for all."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=200),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
        )

    async def post(self, update: Any) -> float:
        started = time.perf_counter()
        async with self.http.post(self.url, data=update.model_dump_json(exclude_none=True)) as r:
            await r.read()
            if r.status != 200:
                raise RuntimeError(f"webhook answered {r.status}")
        return time.perf_counter() - started

    async def close(self) -> None:
        await self.http.close()


async def serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def serve_bare(
    telegram: FakeTelegram, register: Callable[[Dispatcher], None]
) -> tuple[web.AppRunner, str, Bot]:
    """A bare aiogram bot on the same framework, session and fake server, its handlers
    registered by the caller; returns its runner, webhook URL and bot."""
    bot = Bot(telegram.token, session=TelegramSession(telegram.base_url))
    dispatcher = Dispatcher()
    register(dispatcher)
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token=SECRET, handle_in_background=False).register(
        app, path=PATH
    )
    port = free_port()
    runner = await serve(app, port)
    freeze_startup_heap()
    return runner, f"http://127.0.0.1:{port}{PATH}", bot


async def ceiling(telegram: FakeTelegram, users: int, seconds: float) -> dict[str, float]:
    """A bare aiogram echo bot: the most this framework, session and server can do."""

    def register(dispatcher: Dispatcher) -> None:
        @dispatcher.message()
        async def echo(message: Message) -> None:
            await message.answer(message.text or "?")

    runner, url, bot = await serve_bare(telegram, register)
    poster = Poster(url)
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
    await runner.cleanup()
    await bot.session.close()
    return {"updates_per_second": count / elapsed}


async def calls_only(telegram: FakeTelegram, users: int, rounds: int) -> dict[str, Any]:
    """The conversation's walk against a bare bot that makes the same Bot API calls as ours
    (a message with buttons for every step; for a button, its answer first, and the language
    and consent questions edited into the next step's message) and nothing else: what these
    calls alone allow."""
    buttons = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Pay", callback_data="x")]] * 2
    )
    text = "<b>Payment code</b> 1900 0200 0000\nPayer: B*** U***\nAmount: 3 000.00 KGS " * 2

    def register(dispatcher: Dispatcher) -> None:
        @dispatcher.message()
        async def reply(message: Message) -> None:
            await message.answer(text, reply_markup=buttons, parse_mode="HTML")

        @dispatcher.callback_query()
        async def pressed(query: CallbackQuery) -> None:
            await query.answer()
            assert isinstance(query.message, Message)
            if (query.data or "").startswith("bill:"):
                await query.message.answer(text, reply_markup=buttons, parse_mode="HTML")
            else:
                await query.message.edit_text(
                    f"Saved.\n\n{text}", reply_markup=buttons, parse_mode="HTML"
                )

    runner, url, bot = await serve_bare(telegram, register)
    codes = [f"19{2_500_000 + i:010d}" for i in range(users * rounds)]
    result = await walk(telegram, url, users, rounds, codes, first_user=2_500_000)
    await runner.cleanup()
    await bot.session.close()
    return result


def bench_settings(telegram: FakeTelegram, database_url: str, port: int, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=telegram.token,
        bot_api_url=telegram.base_url,
        database_url=database_url,
        http_port=port,
        public_base_url=f"http://127.0.0.1:{port}",
        outbox_poll_seconds=0.2,
        log_level="WARNING",
        **extra,
    )


async def start_app(settings: Settings) -> App:
    app = build_app(settings)
    TelegramWebhook(app.dispatcher, app.bot, secret_token=SECRET).register(app.web, path=PATH)
    await app.start()
    await save_invoices(app.sessions, demo_invoices(), only_new=True)
    freeze_startup_heap()
    return app


async def conversation(
    telegram: FakeTelegram, settings: Settings, users: int, rounds: int
) -> dict[str, Any]:
    """Each user: /start → language → code → I agree (details shown) → Pay, `rounds` times,
    each round a code of their own (unpaid, as the operator's billing would hold it)."""
    app = await start_app(settings)
    first_user = 2_000_000
    codes = await add_invoices(app, users * rounds, first_user)
    url = f"http://127.0.0.1:{settings.http_port}{PATH}"
    result = await walk(telegram, url, users, rounds, codes, first_user)
    opened = await count_payments(app)
    await app.stop()
    if opened != users * rounds:
        raise RuntimeError(f"{opened} payments opened, {users * rounds} expected")
    return result


async def walk(
    telegram: FakeTelegram, url: str, users: int, rounds: int, codes: list[str], first_user: int
) -> dict[str, Any]:
    poster = Poster(url)
    latencies: dict[str, list[float]] = {
        k: [] for k in ("start", "language", "code", "consent", "pay")
    }
    count = 0

    async def step(kind: str, update: Any) -> Message | None:
        """Post an update; return the newest message with buttons the bot sent for it."""
        nonlocal count
        before = len(telegram.calls)
        latencies[kind].append(await poster.post(update))
        count += 1
        for call in reversed(telegram.calls[before:]):
            if call.chat_id == update_chat(update) and (call.response or {}).get("reply_markup"):
                return Message.model_validate(call.response)
        return None

    async def user(index: int) -> None:
        user_id = first_user + index
        sim = UserSimulator(user_id, "ru")
        for round_ in range(rounds):
            message = await step("start", sim.message("/start"))
            if round_ == 0:
                await step("language", sim.press(message, "lang:ru"))
            code = codes[index * rounds + round_]
            message = await step("code", sim.message(code))
            if round_ == 0:
                message = await step("consent", sim.press(message, f"consent:agree:{code}"))
            await step("pay", sim.press(message, f"bill:pay:{code}"))

    started = time.perf_counter()
    await asyncio.gather(*(user(i) for i in range(users)))
    elapsed = time.perf_counter() - started
    await poster.close()
    everything = [v for values in latencies.values() for v in values]
    return {
        "users": users,
        "steps": count,
        "steps_per_second": count / elapsed,
        "p50_ms": percentile(everything, 0.5) * 1000,
        "p99_ms": percentile(everything, 0.99) * 1000,
        "per_step_p99_ms": {k: percentile(v, 0.99) * 1000 for k, v in latencies.items()},
    }


async def count_payments(app: App) -> int:
    async with app.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Payment)) or 0


def update_chat(update: Any) -> int:
    event = update.message or update.callback_query.message
    return event.chat.id


async def add_invoices(app: App, count: int, first: int) -> list[str]:
    """Unpaid invoices with codes of the Meken-card's form, one per payment to come."""
    rows = [
        {
            "code": f"19{first + i:010d}",
            "payer_name": "BENCH USER",
            "service": "meken_card",
            "amount_minor": 300000,
            "currency": "KGS",
            "status": "unpaid",
            "expires_at": None,
        }
        for i in range(count)
    ]
    async with app.sessions() as session, session.begin():
        await session.execute(insert(Invoice), rows)
    return [row["code"] for row in rows]


async def open_payments(app: App, count: int, first_user: int) -> list[Any]:
    """Payments opened as "Pay" would, each for its own chat and code."""
    codes = await add_invoices(app, count, first_user)
    payments = []
    for i, code in enumerate(codes):
        started = await app.payments.start_payment(
            code=code,
            user_id=first_user + i,
            chat_id=first_user + i,
            language="ru",
            description="bench",
        )
        payments.append(started.payment)
    return payments


def signed(app: App, payment: Any) -> tuple[bytes, dict[str, str]]:
    card, _ = CardForm.parse(
        {"card_number": APPROVE_CARD, "expiry": "12/30", "cvc": "123", "holder": "A B"},
        utcnow().date(),
    )
    body = app.acquirer.callback_body(payment.order_id, Money(payment.amount_minor, "KGS"), card)
    return body, {SIGNATURE_HEADER: app.acquirer.sign(body)}


async def callbacks_to_receipts(
    telegram: FakeTelegram, settings: Settings, rate: int, seconds: float
) -> dict[str, Any]:
    app = await start_app(settings)
    total = int(rate * seconds)
    payments = await open_payments(app, total, 3_000_000)
    url = f"http://127.0.0.1:{settings.http_port}/acquirer/sandbox/callback"
    arrived: dict[int, float] = {}
    answered: dict[int, float] = {}
    async with aiohttp.ClientSession() as http:

        async def post(payment: Any) -> None:
            body, headers = signed(app, payment)
            arrived[payment.chat_id] = time.monotonic()
            async with http.post(url, data=body, headers=headers) as response:
                await response.read()
            answered[payment.chat_id] = time.monotonic()

        tasks = []
        started = time.perf_counter()
        for index, payment in enumerate(payments):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(payment)))
        await asyncio.gather(*tasks)
    deadline = time.monotonic() + 30
    receipts: dict[int, float] = {}
    while time.monotonic() < deadline and len(receipts) < total:
        receipts = {
            call.chat_id: call.received_at
            for call in telegram.calls_to("sendMessage")
            if call.chat_id in arrived and "SBX-" in (call.text or "")
        }
        await asyncio.sleep(0.2)
    latencies = [receipts[chat] - arrived[chat] for chat in receipts]
    await app.stop()
    return {
        "callbacks": total,
        "receipts": len(latencies),
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "callback_answer_p99_ms": percentile(
            [answered[chat] - arrived[chat] for chat in answered], 0.99
        )
        * 1000,
    }


async def burst(telegram: FakeTelegram, settings: Settings, chats: int) -> dict[str, Any]:
    """Receipts queued for `chats` chats at once; the fake answers 429 beyond Telegram's pace."""
    app = await start_app(settings)
    await app.outbox.stop()  # queue everything first, then let the worker go
    payments = await open_payments(app, chats, 4_000_000)
    for payment in payments:
        body, headers = signed(app, payment)
        notice = app.acquirer.parse_callback(body, headers)
        await app.payments.handle_callback(notice)
    telegram.rate_limit = True
    before = len(telegram.calls)
    started = time.perf_counter()
    app.outbox.start()
    deadline = time.monotonic() + chats / 10 + 60
    delivered: set[int] = set()
    while time.monotonic() < deadline and len(delivered) < chats:
        delivered = {
            c.chat_id
            for c in telegram.calls[before:]
            if c.method == "sendMessage" and c.response is not None and "SBX-" in (c.text or "")
        }
        await asyncio.sleep(0.2)
    elapsed = time.perf_counter() - started
    await app.stop()
    calls = [c for c in telegram.calls[before:] if c.method in ("sendMessage", "sendDocument")]
    sent = [c for c in calls if c.response is not None]
    telegram.rate_limit = False
    return {
        "receipts": chats,
        "delivered": len(delivered),
        "lost": chats - len(delivered),
        "messages_per_second": len(sent) / elapsed,
        "share_of_30": len(sent) / elapsed / 30,
        "answered_429_share": (len(calls) - len(sent)) / max(1, len(calls)),
    }


async def memory(telegram: FakeTelegram, settings: Settings, conversations: int) -> dict[str, Any]:
    app = await start_app(settings)
    poster = Poster(f"http://127.0.0.1:{settings.http_port}{PATH}")
    before = rss_mb()
    semaphore = asyncio.Semaphore(50)

    async def park(index: int) -> None:
        async with semaphore:
            sim = UserSimulator(5_000_000 + index, "ru")
            await poster.post(sim.message("/start"))  # waits at the language choice

    await asyncio.gather(*(park(i) for i in range(conversations)))
    after = rss_mb()
    await poster.close()
    await app.stop()
    return {"conversations": conversations, "rss_growth_mb": after - before}


async def empty_redis(url: str) -> str:
    """Update ids start again at 1 in every run: the last run's "handled" marks must go."""
    redis = Redis.from_url(url)
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()
    return url


async def empty_postgres(url: str) -> str:
    parts = make_url(url)
    server = {"host": parts.host, "port": parts.port, "user": parts.username}
    admin = await asyncpg.connect(**server, database="postgres")
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", parts.database):
            await admin.execute(f'CREATE DATABASE "{parts.database}"')
    finally:
        await admin.close()
    connection = await asyncpg.connect(**server, database=parts.database)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()
    return url


async def speed_rows(
    telegram: FakeTelegram, args: argparse.Namespace, folder: Path, repeat: int
) -> dict[str, dict[str, Any]]:
    """Benchmarks 1 and 2 once, each conversation row's ratios taken to this repeat's own
    ceiling and reference, measured a few seconds before it."""
    rows = {"ceiling": await ceiling(telegram, args.users, args.seconds)}
    rows["conversation_calls_only"] = await calls_only(telegram, args.users, args.rounds)
    sqlite = f"sqlite+aiosqlite:///{folder / f'bench{repeat}.sqlite3'}"
    rows["conversation_embedded"] = await conversation(
        telegram, bench_settings(telegram, sqlite, free_port()), args.users, args.rounds
    )
    if args.postgres:
        postgres = await empty_postgres(args.postgres_url)
        rows["conversation_postgres_redis"] = await conversation(
            telegram,
            bench_settings(
                telegram, postgres, free_port(), redis_url=await empty_redis(args.redis)
            ),
            args.users,
            args.rounds,
        )
    for name in CONVERSATION_ROWS:
        if name in rows:
            rate = rows[name]["steps_per_second"]
            rows[name]["ratio_to_ceiling"] = rate / rows["ceiling"]["updates_per_second"]
            rows[name]["ratio_to_calls_only"] = (
                rate / rows["conversation_calls_only"]["steps_per_second"]
            )
    return rows


def middle_run(runs: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """The run in the middle by `key` (the median of an odd number of runs), with every
    run's figure beside it: one slow or fast spell of a shared machine moves neither."""
    middle = dict(sorted(runs, key=lambda run: run[key])[len(runs) // 2])
    middle[f"{key}_each"] = [run[key] for run in runs]
    return middle


async def run(args: argparse.Namespace) -> dict[str, Any]:
    setup_logging("WARNING", "json")
    results: dict[str, Any] = {}
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    async with FakeTelegram(strict=False) as telegram:
        repeats = [await speed_rows(telegram, args, folder, i) for i in range(args.repeat)]
        for name in repeats[0]:
            key = "updates_per_second" if name == "ceiling" else "ratio_to_ceiling"
            results[name] = middle_run([rows[name] for rows in repeats], key)
        fast = {"telegram_messages_per_second": 1000}
        results["callback_to_receipt"] = await callbacks_to_receipts(
            telegram,
            bench_settings(
                telegram, f"sqlite+aiosqlite:///{folder / 'cb.sqlite3'}", free_port(), **fast
            ),
            args.rate,
            args.callback_seconds,
        )
        results["burst"] = await burst(
            telegram,
            bench_settings(
                telegram, f"sqlite+aiosqlite:///{folder / 'burst.sqlite3'}", free_port()
            ),
            args.burst,
        )
        results["memory"] = await memory(
            telegram,
            bench_settings(telegram, f"sqlite+aiosqlite:///{folder / 'mem.sqlite3'}", free_port()),
            args.parked,
        )
    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    return results


def table(results: dict[str, Any]) -> str:
    rows = [("benchmark", "figure", "target", "met")]

    def add(name: str, figure: str, target: str, met: bool | None) -> None:
        rows.append((name, figure, target, "-" if met is None else ("yes" if met else "NO")))

    def spread(r: dict[str, Any], key: str, form: str) -> str:
        each = r[f"{key}_each"]
        return "" if len(each) < 2 else f" (runs {min(each):{form}}-{max(each):{form}})"

    r = results["ceiling"]
    add(
        "1 ceiling (echo bot)",
        f"{r['updates_per_second']:.0f} updates/s{spread(r, 'updates_per_second', '.0f')}",
        "",
        None,
    )
    r = results["conversation_calls_only"]
    add(
        "2 the same Bot API calls, no logic",
        f"{r['steps_per_second']:.0f} steps/s, {r['ratio_to_ceiling']:.2f} of ceiling"
        f"{spread(r, 'ratio_to_ceiling', '.2f')}",
        "",
        None,
    )
    for key, label in (
        ("conversation_embedded", "2 conversation, SQLite"),
        ("conversation_postgres_redis", "2 conversation, PostgreSQL+Redis"),
    ):
        if key in results:
            r = results[key]
            add(
                label,
                f"{r['steps_per_second']:.0f} steps/s, p50 {r['p50_ms']:.0f} ms, "
                f"p99 {r['p99_ms']:.0f} ms, {r['ratio_to_ceiling']:.2f} of ceiling"
                f"{spread(r, 'ratio_to_ceiling', '.2f')}, "
                f"{r['ratio_to_calls_only']:.2f} of calls only",
                ">= 0.5 of ceiling",
                r["ratio_to_ceiling"] >= 0.5,
            )
    r = results["callback_to_receipt"]
    add(
        "3 callback -> receipt",
        f"{r['receipts']}/{r['callbacks']}, p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms",
        "p99 < 250 ms",
        r["p99_ms"] < 250 and r["receipts"] == r["callbacks"],
    )
    r = results["burst"]
    add(
        "4 burst of receipts",
        f"{r['messages_per_second']:.1f} msg/s ({r['share_of_30']:.0%} of 30), "
        f"lost {r['lost']}, 429 {r['answered_429_share']:.1%}",
        ">= 95% of 30/s, 0 lost, < 1% 429",
        r["share_of_30"] >= 0.95 and r["lost"] == 0 and r["answered_429_share"] < 0.01,
    )
    r = results["memory"]
    add(
        "5 memory",
        f"+{r['rss_growth_mb']:.1f} MB for {r['conversations']} parked",
        "< 100 MB",
        r["rss_growth_mb"] < 100,
    )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--repeat", type=int, help="benchmarks 1 and 2 this many times, the median shown (3)"
    )
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--callback-seconds", type=float, default=30.0)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--parked", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL + Redis")
    parser.add_argument(
        "--postgres-url",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/payment_bot_bench",
        help="created if missing, emptied on every run (not the tests' database)",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14", help="emptied on every run")
    parser.add_argument("--out", type=Path, default=Path("bench/results/latest.json"))
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.seconds, args.rounds = 10, 3.0, 1
        args.callback_seconds, args.burst, args.parked = 3.0, 60, 500
    args.repeat = args.repeat or (1 if args.quick else 3)
    results = asyncio.run(run(args))
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nfigures written to {args.out}")
    return 0
