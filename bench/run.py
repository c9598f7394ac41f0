"""The benchmark suite: the bot in webhook mode against the local fake Bot API over real HTTP.

1. ceiling: a bare aiogram echo bot, same framework, session and fake server: updates/s.
2. conversation: users walking start → language → code → consent → details → pay, many at
   once: steps/s, the bot's CPU a step, p50/p99 of a step in the closed loop, and each step's
   service latency with one user at a time; embedded default and PostgreSQL + Redis. The
   reference: the same walk against a bare bot making the same Bot API calls and nothing else.
3. callback → receipt: signed acquirer callbacks at a steady 50/s: p50/p99 from arrival to
   the receipt's sendMessage; and its knee: rates from 50/s up, 10 s each, each on a fresh
   bot, until one leaves a receipt undelivered or its p99 at 250 ms or more.
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
run` does (bot/gc_freeze.py), and runs on the loop `payment-bot run` runs on (bot/event_loop.py:
uvloop where installed); the harness on asyncio's own.

`--quick` runs smoke sizes: it prints figures and never a verdict on a target.
"""

import argparse
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

from bench.conversation import speed_rows
from bench.harness import Harness
from bench.load import STEPS
from bench.memory import memory
from bench.receipts import burst, callback_knee, callbacks_to_receipts
from bench.report import table
from bench.serving import add_server_arguments, bench_settings, free_port
from bot import event_loop
from bot.logs import setup_logging


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
        results["callback_knee"] = await callback_knee(
            harness,
            lambda: bench_settings(
                harness,
                f"sqlite+aiosqlite:///{tempfile.mkdtemp(dir=folder)}/knee.sqlite3",
                free_port(),
                **fast,
            ),
            args.knee_rates,
            args.knee_seconds,
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
    parser.add_argument(
        "--knee-rates",
        type=lambda text: [int(rate) for rate in text.split(",")],
        help="callback rates tried in turn for the knee (50,100,150,200,300,400)",
    )
    parser.add_argument("--knee-seconds", type=float, help="each rate's run (10 s)")
    parser.add_argument("--burst", type=int, help="receipts queued at once (1,000)")
    parser.add_argument("--parked", type=int, help="conversations parked (10,000)")
    add_server_arguments(parser, postgres="also PostgreSQL + Redis")
    parser.add_argument("--out", type=Path, default=Path("bench/results/latest.json"))
    args = parser.parse_args(argv)
    sizes = {
        "users": (50, 10),
        "seconds": (10.0, 3.0),
        "rounds": (3, 1),
        "service_users": (10, 3),
        "repeat": (3, 1),
        "callback_seconds": (30.0, 3.0),
        "knee_rates": ([50, 100, 150, 200, 300, 400], [50, 100]),
        "knee_seconds": (10.0, 2.0),
        "burst": (1000, 60),
        "parked": (10_000, 500),
    }
    for name, (full, quick) in sizes.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    results = event_loop.run(run(args))
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nfigures written to {args.out}")
    return 0
