import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class BackgroundTask:
    """One named asyncio task that runs until stopped (the outbox worker, reconciliation)."""

    def __init__(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        self._name = name
        self._run = run
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class Periodic:
    """A job run every `interval_seconds` until stopped (reconciliation, reminders): a round
    that fails is logged as `<name>.loop_failed` and the next one runs all the same."""

    def __init__(
        self, name: str, run_once: Callable[[], Awaitable[Any]], interval_seconds: float
    ) -> None:
        self._name = name
        self._run_once = run_once
        self._interval = interval_seconds
        self._task = BackgroundTask(name, self._run)

    def start(self) -> None:
        self._task.start()

    async def stop(self) -> None:
        await self._task.stop()

    async def _run(self) -> None:
        while True:
            try:
                await self._run_once()
            except Exception:
                log.exception(f"{self._name}.loop_failed")
            await asyncio.sleep(self._interval)
