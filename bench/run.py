"""The benchmark suite: the bot in webhook mode against the local fake Bot API over real HTTP.

1. ceiling: a bare aiogram echo bot, same framework, session and fake server: updates/s.
2. conversation: users walking start → language → code → consent → details → pay, many at
   once: steps/s, the bot's CPU a step, p50/p99 of a step in the closed loop, and each step's
   service latency with one user at a time; embedded default and PostgreSQL + Redis. The
   reference: the same walk against a bare bot making the same Bot API calls and nothing else.
3. callback → receipt: signed acquirer callbacks at a steady 50/s: p50/p99 from arrival to
   the receipt's sendMessage.
4. burst: 1,000 receipts to 1,000 chats, the fake enforcing Telegram's pace (429 beyond).
5. memory: the bot process's RSS growth with 10,000 conversations parked mid-flow.

Only the bot runs in this process. The fake Bot API and the simulated users run in a process
of their own (bench/harness.py), so this process's CPU time and RSS are the bot's.

A conversation row is measured in `--repeat` (3) repeats. In each, the ceiling, the reference
and the row run back to back and the row's ratios are taken to that repeat's ceiling and
reference; the row reports the repeat with the median ratio to the reference, whose other
figures (its own ceiling and reference included) come from that same repeat. On a shared
machine the speed drifts by a third within minutes, which unpaired figures read as a change
of the bot.

Every bot here, the bare ones too, freezes its start-up heap once started, as `payment-bot
run` does (bot/gc_freeze.py).

`--quick` runs smoke sizes: it prints figures and never a verdict on a target.
"""

import argparse
import asyncio
import base64
import json
import os
import platform
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from bench.harness import Harness
from bench.load import PATH, SECRET, STEPS
from bench.report import table
from bot.app import App, build_app
from bot.gc_freeze import freeze_startup_heap
from bot.logs import setup_logging
from bot.settings import Settings
from bot.telegram_session import TelegramSession
from core.clock import utcnow
from core.money import Money
from payments.acquirers.sandbox import APPROVE_CARD, SIGNATURE_HEADER, CardForm
from payments.invoices import demo_invoices, save_invoices
from storage.models import Invoice, Payment
from web.webhook import TelegramWebhook

BOT_ROWS = ("conversation_embedded", "conversation_postgres_redis")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measured(harness: Harness, job: str, **params: Any) -> dict[str, Any]:
    """A harness job, with the CPU time this process (the bot) spent while it ran."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = await harness.job(job, **params)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return result | {"bot_cpu_seconds": cpu, "bot_cpu_share": cpu / wall}


async def serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def serve_bare(
    harness: Harness, register: Callable[[Dispatcher], None]
) -> tuple[web.AppRunner, str, Bot]:
    """A bare aiogram bot on the same framework, session and fake server, its handlers
    registered by the caller; returns its runner, webhook URL and bot."""
    bot = Bot(harness.token, session=TelegramSession(harness.base_url))
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


async def ceiling(harness: Harness, users: int, seconds: float) -> dict[str, Any]:
    """A bare aiogram echo bot: the most this framework, session and server can do."""

    def register(dispatcher: Dispatcher) -> None:
        @dispatcher.message()
        async def echo(message: Message) -> None:
            await message.answer(message.text or "?")

    runner, url, bot = await serve_bare(harness, register)
    try:
        r = await measured(harness, "flood", url=url, users=users, seconds=seconds)
    finally:
        await runner.cleanup()
        await bot.session.close()
    return {
        "updates_per_second": r["updates"] / r["seconds"],
        "bot_cpu_ms_per_update": r["bot_cpu_seconds"] * 1000 / max(1, r["updates"]),
        "bot_cpu_share": r["bot_cpu_share"],
        "harness_cpu_share": r["harness_cpu_share"],
    }


def walk_figures(closed: dict[str, Any], service: dict[str, Any]) -> dict[str, Any]:
    """A closed-loop walk's figures, with the service latency of each step from the walk made
    one user at a time."""
    return {
        "users": closed["users"],
        "steps": closed["steps"],
        "steps_per_second": closed["steps"] / closed["seconds"],
        "bot_cpu_ms_per_step": closed["bot_cpu_seconds"] * 1000 / max(1, closed["steps"]),
        "bot_cpu_share": closed["bot_cpu_share"],
        "harness_cpu_share": closed["harness_cpu_share"],
        "p50_ms": closed["p50_ms"],
        "p99_ms": closed["p99_ms"],
        "per_step_p99_ms": closed["per_step_p99_ms"],
        "loaded_service_ms": closed["service_ms"],
        "service_ms": service["service_ms"],
    }


async def walks(
    harness: Harness, url: str, users: int, rounds: int, service_users: int, codes: list[str]
) -> dict[str, Any]:
    """The closed-loop walk of `users`, then `service_users` more walking one at a time."""
    first = 2_000_000
    closed = await measured(
        harness,
        "walk",
        url=url,
        users=users,
        rounds=rounds,
        codes=codes[: users * rounds],
        first_user=first,
    )
    service = await harness.job(
        "walk",
        url=url,
        users=service_users,
        rounds=rounds,
        codes=codes[users * rounds :],
        first_user=first + users,
        one_at_a_time=True,
    )
    return walk_figures(closed, service)


async def calls_only(
    harness: Harness, users: int, rounds: int, service_users: int
) -> dict[str, Any]:
    """The conversation's walk against a bare bot that makes the same Bot API calls as ours
    (a message with buttons for every step; for a button, its answer first, and the language
    and consent questions edited into the next step's message) and nothing else: what these
    calls alone allow."""
    buttons = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="I agree", callback_data="consent:agree:0")],
            [InlineKeyboardButton(text="Pay", callback_data="bill:pay:0")],
        ]
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

    runner, url, bot = await serve_bare(harness, register)
    codes = [f"19{2_500_000 + i:010d}" for i in range((users + service_users) * rounds)]
    try:
        return await walks(harness, url, users, rounds, service_users, codes)
    finally:
        await runner.cleanup()
        await bot.session.close()


def bench_settings(harness: Harness, database_url: str, port: int, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=harness.token,
        bot_api_url=harness.base_url,
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
    harness: Harness, settings: Settings, users: int, rounds: int, service_users: int
) -> dict[str, Any]:
    """The walk against our bot, each round with a code of its own (unpaid, as the operator's
    billing would hold it)."""
    app = await start_app(settings)
    try:
        expected = (users + service_users) * rounds
        codes = await add_invoices(app, expected, 2_000_000)
        url = f"http://127.0.0.1:{settings.http_port}{PATH}"
        result = await walks(harness, url, users, rounds, service_users, codes)
        opened = await count_payments(app)
    finally:
        await app.stop()
    if opened != expected:
        raise RuntimeError(f"{opened} payments opened, {expected} expected")
    return result


async def count_payments(app: App) -> int:
    async with app.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Payment)) or 0


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
    harness: Harness, settings: Settings, rate: int, seconds: float
) -> dict[str, Any]:
    app = await start_app(settings)
    try:
        payments = await open_payments(app, int(rate * seconds), 3_000_000)
        items = []
        for payment in payments:
            body, headers = signed(app, payment)
            items.append(
                {
                    "chat_id": payment.chat_id,
                    "body": base64.b64encode(body).decode(),
                    "headers": headers,
                }
            )
        url = f"http://127.0.0.1:{settings.http_port}/acquirer/sandbox/callback"
        return await harness.job("callbacks", url=url, rate=rate, items=items, wait=30)
    finally:
        await app.stop()


async def burst(harness: Harness, settings: Settings, chats: int) -> dict[str, Any]:
    """Receipts queued for `chats` chats at once; the fake answers 429 beyond Telegram's pace."""
    app = await start_app(settings)
    try:
        await app.outbox.stop()  # queue everything first, then let the worker go
        payments = await open_payments(app, chats, 4_000_000)
        for payment in payments:
            body, headers = signed(app, payment)
            notice = app.acquirer.parse_callback(body, headers)
            await app.payments.handle_callback(notice)
        await harness.job("burst_start")
        app.outbox.start()
        return await harness.job(
            "burst_finish", chats=[p.chat_id for p in payments], wait=chats / 10 + 60
        )
    finally:
        await app.stop()


async def memory(harness: Harness, settings: Settings, conversations: int) -> dict[str, Any]:
    """The bot process's RSS before and after `conversations` users stop at the language
    choice; the fake's records of them are in the harness process."""
    app = await start_app(settings)
    try:
        before = rss_mb()
        url = f"http://127.0.0.1:{settings.http_port}{PATH}"
        await harness.job("park", url=url, conversations=conversations, first_user=5_000_000)
        after = rss_mb()
    finally:
        await app.stop()
    return {
        "conversations": conversations,
        "rss_growth_mb": after - before,
        "rss_before_mb": before,
        "rss_after_mb": after,
    }


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


async def bot_settings(
    harness: Harness, args: argparse.Namespace, row: str, folder: Path, repeat: int
) -> Settings:
    if row == "conversation_embedded":
        sqlite = f"sqlite+aiosqlite:///{folder / f'bench{repeat}.sqlite3'}"
        return bench_settings(harness, sqlite, free_port())
    postgres = await empty_postgres(args.postgres_url)
    redis = await empty_redis(args.redis)
    return bench_settings(harness, postgres, free_port(), redis_url=redis)


async def paired(
    harness: Harness, args: argparse.Namespace, row: str, folder: Path, repeat: int
) -> dict[str, dict[str, Any]]:
    """One repeat of a conversation row: the ceiling, the reference and the row back to back,
    the row's ratios taken to these two."""
    sizes = (args.users, args.rounds, args.service_users)
    top = await ceiling(harness, args.users, args.seconds)
    reference = await calls_only(harness, *sizes)
    settings = await bot_settings(harness, args, row, folder, repeat)
    ours = await conversation(harness, settings, *sizes)
    reference["ratio_to_ceiling"] = reference["steps_per_second"] / top["updates_per_second"]
    ours |= {
        "ratio_to_calls_only": ours["steps_per_second"] / reference["steps_per_second"],
        "ratio_to_ceiling": ours["steps_per_second"] / top["updates_per_second"],
        "cpu_ratio_to_calls_only": reference["bot_cpu_ms_per_step"] / ours["bot_cpu_ms_per_step"],
        "paired": {
            "ceiling_updates_per_second": top["updates_per_second"],
            "calls_only_steps_per_second": reference["steps_per_second"],
            "calls_only_bot_cpu_ms_per_step": reference["bot_cpu_ms_per_step"],
            "calls_only_service_ms": reference["service_ms"],
        },
    }
    return {"ceiling": top, "conversation_calls_only": reference, row: ours}


def median_of(runs: list[dict[str, Any]], key: str, *also: str) -> dict[str, Any]:
    """The run in the middle by `key` (the median of an odd number of runs) with all of its
    own figures, and every run's `key` (and `also`) beside it."""
    middle = dict(sorted(runs, key=lambda run: run[key])[len(runs) // 2])
    for name in (key, *also):
        middle[f"{name}_each"] = [run[name] for run in runs]
    return middle


async def speed_rows(
    harness: Harness, args: argparse.Namespace, folder: Path
) -> dict[str, dict[str, Any]]:
    rows = ["conversation_embedded"] + (["conversation_postgres_redis"] if args.postgres else [])
    repeats = [
        await paired(harness, args, row, folder, repeat)
        for repeat in range(args.repeat)
        for row in rows
    ]
    results = {
        "ceiling": median_of([r["ceiling"] for r in repeats], "updates_per_second"),
        "conversation_calls_only": median_of(
            [r["conversation_calls_only"] for r in repeats], "steps_per_second", "ratio_to_ceiling"
        ),
    }
    for row in rows:
        results[row] = median_of(
            [r[row] for r in repeats if row in r],
            "ratio_to_calls_only",
            "ratio_to_ceiling",
            "cpu_ratio_to_calls_only",
        )
    return results


async def run(args: argparse.Namespace) -> dict[str, Any]:
    setup_logging("WARNING", "json")
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    async with Harness() as harness:
        results: dict[str, Any] = await speed_rows(harness, args, folder)
        fast = {"telegram_messages_per_second": 1000}
        results["callback_to_receipt"] = await callbacks_to_receipts(
            harness,
            bench_settings(
                harness, f"sqlite+aiosqlite:///{folder / 'cb.sqlite3'}", free_port(), **fast
            ),
            args.rate,
            args.callback_seconds,
        )
        results["burst"] = await burst(
            harness,
            bench_settings(harness, f"sqlite+aiosqlite:///{folder / 'burst.sqlite3'}", free_port()),
            args.burst,
        )
        results["memory"] = await memory(
            harness,
            bench_settings(harness, f"sqlite+aiosqlite:///{folder / 'mem.sqlite3'}", free_port()),
            args.parked,
        )
    results["smoke"] = args.quick
    results["steps"] = list(STEPS)
    results["machine"] = {
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smoke sizes: figures only, no verdict on targets"
    )
    parser.add_argument("--users", type=int, help="users walking at once (50)")
    parser.add_argument("--seconds", type=float, help="the ceiling's flood (10 s)")
    parser.add_argument("--rounds", type=int, help="walks a user makes (3)")
    parser.add_argument(
        "--service-users", type=int, help="users walking one at a time, for service latency (10)"
    )
    parser.add_argument("--repeat", type=int, help="paired repeats of each conversation row (3)")
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--callback-seconds", type=float, help="(30 s)")
    parser.add_argument("--burst", type=int, help="receipts queued at once (1,000)")
    parser.add_argument("--parked", type=int, help="conversations parked (10,000)")
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL + Redis")
    parser.add_argument(
        "--postgres-url",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/payment_bot_bench",
        help="created if missing, emptied on every run (not the tests' database)",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14", help="emptied on every run")
    parser.add_argument("--out", type=Path, default=Path("bench/results/latest.json"))
    args = parser.parse_args(argv)
    sizes = {
        "users": (50, 10),
        "seconds": (10.0, 3.0),
        "rounds": (3, 1),
        "service_users": (10, 3),
        "repeat": (3, 1),
        "callback_seconds": (30.0, 3.0),
        "burst": (1000, 60),
        "parked": (10_000, 500),
    }
    for name, (full, quick) in sizes.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    results = asyncio.run(run(args))
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nfigures written to {args.out}")
    return 0
