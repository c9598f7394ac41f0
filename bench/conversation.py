"""Benchmarks 1 and 2: the echo ceiling, the calls-only reference and the conversation rows,
each conversation row in paired repeats (see bench/run.py)."""

import argparse
from pathlib import Path
from typing import Any

import asyncpg
from aiogram import Dispatcher
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from bench.harness import Harness
from bench.load import PATH
from bench.serving import add_invoices, bench_settings, free_port, measured, serve_bare, start_app
from bot.app import App
from bot.settings import Settings
from storage.gauges import read_gauges


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
    readings = await read_gauges(app.sessions)
    return sum(readings.payments_by_status.values())


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
