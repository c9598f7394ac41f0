"""The benchmark suite at a smoke size, so its harness cannot break unnoticed.

It runs as a process of its own (`python -m bench`), as it would be run: every bot in it
freezes its heap, which must not happen to the test session's. Sizes are tiny (some 15-20 s
on a quiet machine, most of it starting processes).
"""

import asyncio
import json
import os
import re
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.conversation import median_of
from bench.report import SMOKE
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[1]
TINY = [
    "--quick",
    "--users", "3",
    "--seconds", "0.5",
    "--service-users", "1",
    "--rate", "10",
    "--callback-seconds", "0.2",
    "--knee-rates", "10,20",
    "--knee-seconds", "0.2",
    "--burst", "3",
    "--parked", "20",
]  # fmt: skip


async def test_quick_bench_prints_figures_and_no_verdict(tmp_path, redis_url) -> None:
    out = tmp_path / "bench.json"
    postgres = make_url(POSTGRES_URL)
    postgres = postgres.set(database=f"{postgres.database}_bench")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench",
        *TINY,
        "--postgres",
        "--postgres-url",
        postgres.render_as_string(hide_password=False),
        "--redis",
        redis_url,
        "--out",
        str(out),
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=180)
    printed = stdout.decode()
    assert process.returncode == 0, stderr.decode()[-3000:]

    results = json.loads(out.read_text())
    assert results["smoke"] is True
    for row in ("conversation_embedded", "conversation_postgres_redis"):
        assert results[row]["ratio_to_calls_only"] > 0
        paired = results[row]["paired"]
        assert paired["calls_only_steps_per_second"] > 0
        assert paired["ceiling_updates_per_second"] > 0
        assert set(results[row]["service_ms"]) == set(results["steps"])
        assert all(s["count"] >= 1 for s in results[row]["service_ms"].values())
        assert results[row]["bot_cpu_ms_per_step"] > 0
    assert results["callback_to_receipt"]["p99_ms"] >= 0
    assert results["callback_to_receipt"]["receipts"] == results["callback_to_receipt"]["callbacks"]
    knee = results["callback_knee"]
    assert [s["rate"] for s in knee["rates"]] == [10, 20][: len(knee["rates"])]
    assert knee["knee_per_second"] in (0, 10, 20)
    assert results["burst"]["lost"] == 0
    assert results["memory"]["rss_after_mb"] > 0

    assert SMOKE in printed
    figures = printed.replace(SMOKE, "")
    assert not re.search(r"\b(yes|NO)$", figures, re.M), figures
    assert not re.search(r"\b(met|targets?|pass(ed)?|fail(ed)?)\b", figures, re.I), figures


def test_a_rows_median_repeat_brings_its_own_ceiling_and_reference() -> None:
    repeats = [
        {"ratio_to_calls_only": ratio, "paired": {"ceiling_updates_per_second": top}}
        for ratio, top in ((0.30, 900.0), (0.50, 1500.0), (0.40, 600.0))
    ]
    row = median_of(repeats, "ratio_to_calls_only")
    assert row["ratio_to_calls_only"] == 0.40
    assert row["paired"]["ceiling_updates_per_second"] == 600.0  # not the ceilings' median
    assert row["ratio_to_calls_only_each"] == [0.30, 0.50, 0.40]


async def test_a_single_walk_prints_the_bots_cpu_a_step() -> None:
    """`python -m bench.walk`, the walk that compares two versions of the bot in pairs."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.walk",
        "--users",
        "2",
        "--rounds",
        "1",
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()[-3000:]
    assert re.fullmatch(
        r"SQLite: 10 steps, bot CPU [\d.]+ ms a step, \d+ steps/s, p50 \d+ ms, p99 \d+ ms\n",
        stdout.decode(),
    ), stdout.decode()
