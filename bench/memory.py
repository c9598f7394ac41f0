"""Benchmark 5: the bot process's RSS growth with conversations parked mid-flow."""

from pathlib import Path
from typing import Any

from bench.harness import Harness
from bench.load import PATH
from bench.serving import start_app
from bot.settings import Settings


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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
