"""The event loop the bot runs on: uvloop (libuv, the loop of aiogram's "fast" extra) where it
is installed, asyncio's own elsewhere (Windows). The same handlers, sockets and timers either
way; uvloop spends less of each update's CPU on the loop itself and its transports, which on
PostgreSQL + Redis carry several round trips a step."""

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
