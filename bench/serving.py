"""What every benchmark shares: free ports, the bot served as `payment-bot run` serves it
(its start-up heap frozen), bare aiogram bots beside it, and the invoices a walk pays."""

import argparse
import socket
import time
from collections.abc import Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bench.harness import Harness
from bench.load import PATH, SECRET
from bot.app import App, build_app
from bot.gc_freeze import freeze_startup_heap
from bot.settings import Settings
from bot.telegram_session import TelegramSession
from core.money import Money
from core.services import Service
from core.statuses import BillStatus
from payments.invoices import demo_invoices, save_invoices
from storage.invoices import InvoiceRow
from web.webhook import TelegramWebhook


def add_server_arguments(parser: argparse.ArgumentParser, postgres: str) -> None:
    """--postgres (its help: `postgres`), and the PostgreSQL database and Redis db it empties."""
    parser.add_argument("--postgres", action="store_true", help=postgres)
    parser.add_argument(
        "--postgres-url",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/payment_bot_bench",
        help="created if missing, emptied on every run (not the tests' database)",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14", help="emptied on every run")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


async def add_invoices(app: App, count: int, first: int) -> list[str]:
    """Unpaid invoices with codes of the Meken-card's form, one per payment to come."""
    rows = [
        InvoiceRow(
            code=f"19{first + i:010d}",
            payer_name="BENCH USER",
            service=Service.MEKEN_CARD,
            amount=Money(300000, "KGS"),
            status=BillStatus.UNPAID,
            expires_at=None,
        )
        for i in range(count)
    ]
    await save_invoices(app.sessions, rows)
    return [row.code for row in rows]
