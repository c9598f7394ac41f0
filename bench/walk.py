"""One conversation walk against the bot, for comparing two versions of it in pairs: the bot's
CPU a step (this process's CPU time, as in `python -m bench`), steps a second, and the closed
loop's p50 and p99. Run it at each of the two commits, alternately, several times, on a quiet
machine: the CPU a step moves far less with the machine's spells than throughput does.

The walk's look-ups stay inside the look-up limits (600 a minute overall) at the default
sizes: 50 users × 5 rounds are 500 look-ups.
"""

import argparse
import tempfile
from pathlib import Path

from bench.conversation import empty_postgres, empty_redis
from bench.harness import Harness
from bench.load import PATH
from bench.serving import (
    add_invoices,
    add_server_arguments,
    bench_settings,
    free_port,
    measured,
    start_app,
)
from bot import event_loop
from bot.logs import setup_logging


async def walk(args: argparse.Namespace) -> str:
    setup_logging("WARNING", "json")
    async with Harness() as harness:
        if args.postgres:
            database = await empty_postgres(args.postgres_url)
            redis = await empty_redis(args.redis)
            settings = bench_settings(harness, database, free_port(), redis_url=redis)
        else:
            folder = Path(tempfile.mkdtemp(prefix="bench-walk-"))
            sqlite = f"sqlite+aiosqlite:///{folder / 'walk.sqlite3'}"
            settings = bench_settings(harness, sqlite, free_port())
        app = await start_app(settings)
        try:
            codes = await add_invoices(app, args.users * args.rounds, 3_000_000)
            url = f"http://127.0.0.1:{settings.http_port}{PATH}"
            r = await measured(
                harness,
                "walk",
                url=url,
                users=args.users,
                rounds=args.rounds,
                codes=codes,
                first_user=3_000_000,
            )
        finally:
            await app.stop()
    return (
        f"{'PostgreSQL + Redis' if args.postgres else 'SQLite'}: {r['steps']} steps, "
        f"bot CPU {r['bot_cpu_seconds'] * 1000 / r['steps']:.2f} ms a step, "
        f"{r['steps'] / r['seconds']:.0f} steps/s, p50 {r['p50_ms']:.0f} ms, "
        f"p99 {r['p99_ms']:.0f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.walk", description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    add_server_arguments(parser, postgres="PostgreSQL + Redis instead of SQLite")
    print(event_loop.run(walk(parser.parse_args(argv))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
