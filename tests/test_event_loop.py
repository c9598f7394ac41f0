import asyncio
import sys

import pytest

from bot import event_loop


async def running_loop() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_the_bot_runs_on_uvloop_where_it_is_installed():
    pytest.importorskip("uvloop")
    assert event_loop.run(running_loop()).startswith("uvloop")


def test_without_uvloop_it_runs_on_asyncios_own_loop(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` raises ImportError
    assert event_loop.run(running_loop()).startswith("asyncio")
