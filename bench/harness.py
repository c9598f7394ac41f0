"""The benchmark's other process: the fake Bot API and the load generators.

The bot under test runs in the benchmark's main process; this process, spawned from it, holds
everything else, so the main process's CPU time and RSS are the bot's alone. The main process
drives it over a small HTTP control API on the loopback: each job (a flood of updates, a walk,
callbacks, ...) is one POST that answers with the job's figures when it is done.
"""

import asyncio
import multiprocessing
import os
import time
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from bench import load
from bot.gc_freeze import freeze_startup_heap
from tests.fakes.telegram_api import FakeTelegram

STARTUP_SECONDS = 60.0


class Jobs:
    """The jobs the main process may ask for, by name. The fake's records of a job's calls are
    dropped when the next job starts: only one job's are ever needed, and the fake's memory
    and the garbage collector's work stay those of one job."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram
        self.stopped = asyncio.Event()
        self.burst_started = 0.0

    def forget(self) -> None:
        self.telegram.calls.clear()
        self.telegram.messages.clear()

    async def flood(self, url: str, users: int, seconds: float) -> dict[str, Any]:
        self.forget()
        return await load.flood(self.telegram, url, users, seconds)

    async def walk(self, **params: Any) -> dict[str, Any]:
        self.forget()
        return await load.walk(self.telegram, **params)

    async def callbacks(self, **params: Any) -> dict[str, Any]:
        self.forget()
        return await load.callbacks(self.telegram, **params)

    async def burst_start(self) -> dict[str, Any]:
        """Telegram's pace enforced from now on; the main process starts the outbox next."""
        self.forget()
        self.telegram.rate_limit = True
        self.burst_started = time.monotonic()
        return {}

    async def burst_finish(self, chats: list[int], wait: float) -> dict[str, Any]:
        try:
            return await load.burst(self.telegram, chats, self.burst_started, wait)
        finally:
            self.telegram.rate_limit = False

    async def park(self, url: str, conversations: int, first_user: int) -> dict[str, Any]:
        self.forget()
        return await load.park(self.telegram, url, conversations, first_user)

    async def stop(self) -> dict[str, Any]:
        self.stopped.set()
        return {}


async def serve(conn: Connection) -> None:
    async with FakeTelegram(strict=False) as telegram:
        jobs = Jobs(telegram)

        async def handle(request: web.Request) -> web.Response:
            job = getattr(jobs, request.match_info["job"], None)
            if job is None or request.match_info["job"].startswith("_"):
                return web.json_response({"error": "no such job"}, status=404)
            cpu, wall = time.process_time(), time.perf_counter()
            result = await job(**await request.json())
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            return web.json_response(result | {"harness_cpu_share": cpu / wall})

        app = web.Application(client_max_size=256 * 1024 * 1024)
        app.router.add_post("/job/{job}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        freeze_startup_heap()
        conn.send(
            {
                "control_url": f"http://{host}:{port}",
                "token": telegram.token,
                "base_url": telegram.base_url,
                "pid": os.getpid(),
            }
        )
        await jobs.stopped.wait()
        await runner.cleanup()


def main(conn: Connection) -> None:
    asyncio.run(serve(conn))


class Harness:
    """The main process's side: spawns the harness process and asks it for jobs."""

    def __init__(self) -> None:
        self.token = ""
        self.base_url = ""
        self.pid = 0
        self._control_url = ""
        self._process: Any = None
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "Harness":
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self._process = context.Process(target=main, args=(theirs,), daemon=True)
        self._process.start()
        theirs.close()
        ready = await asyncio.get_running_loop().run_in_executor(None, ours.poll, STARTUP_SECONDS)
        if not ready:
            self._process.kill()
            raise RuntimeError("the benchmark's harness process did not start")
        try:
            info = ours.recv()
        except EOFError:
            raise RuntimeError("the benchmark's harness process ended while starting") from None
        finally:
            ours.close()
        self._control_url = info["control_url"]
        self.token, self.base_url, self.pid = info["token"], info["base_url"], info["pid"]
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._process.is_alive():
                await self.job("stop")
        except (aiohttp.ClientError, RuntimeError):
            pass  # it is killed below; the error that brought us here is the one to see
        finally:
            if self._http is not None:
                await self._http.close()
            await asyncio.get_running_loop().run_in_executor(None, self._process.join, 10)
            if self._process.is_alive():
                self._process.kill()

    async def job(self, name: str, **params: Any) -> dict[str, Any]:
        assert self._http is not None
        async with self._http.post(f"{self._control_url}/job/{name}", json=params) as response:
            if response.status != 200:
                raise RuntimeError(f"harness job {name}: {response.status} {await response.text()}")
            return await response.json()
