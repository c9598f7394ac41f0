"""The bot as a real operating-system process (`payment-bot run`), to kill and to multiply."""

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.conftest import free_port
from tests.fakes.telegram_api import FakeTelegram
from web.routes import WEBHOOK_PATH

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK_SECRET = "instance-secret"
CALLBACK_PATH = "/acquirer/sandbox/callback"


class BotProcess:
    def __init__(self, env: dict[str, str], log_path: Path, telegram: FakeTelegram) -> None:
        self.telegram = telegram  # what carries out the method in a webhook's answer
        self.port = free_port()
        self.env = (
            os.environ
            | env
            | {
                "HTTP_HOST": "127.0.0.1",
                "HTTP_PORT": str(self.port),
                "BOT_MODE": "webhook",
                "WEBHOOK_SECRET": WEBHOOK_SECRET,
                "LOG_FORMAT": "json",
            }
        )
        self.log_path = log_path
        self.pid: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    async def start(self) -> None:
        self.pid = zygote().fork(dict(self.env), str(ROOT), str(self.log_path))
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                if not self.alive():
                    raise RuntimeError(f"the bot exited: {self.log_path.read_text()[-2000:]}")
                try:
                    async with http.get(f"{self.url}/readyz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError(f"the bot did not get ready: {self.log_path.read_text()[-2000:]}")

    async def kill(self) -> None:
        """SIGKILL: no clean-up, no goodbye, as a crash or an OOM kill."""
        await self._signal(signal.SIGKILL, 5)

    async def stop(self) -> None:
        if not await self._signal(signal.SIGTERM, 10):
            await self.kill()

    async def _signal(self, number: int, timeout: float) -> bool:
        """Send it and wait for the process to be gone; False if it is still there."""
        if not self.alive():
            return True
        os.kill(self.pid, number)
        for _ in range(int(timeout / 0.02)):
            if not self.alive():
                return True
            await asyncio.sleep(0.02)
        return False

    async def post(
        self, path: str, body: bytes, headers: dict[str, str], *, as_telegram: bool = False
    ) -> int:
        """`as_telegram`: the method a webhook's answer carries is carried out, as Telegram
        does with it."""
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.url + path, data=body, headers=headers) as response,
        ):
            if as_telegram:
                await self.telegram.take_webhook_response(response)
            return response.status

    async def post_update(self, update: str) -> int:
        """An update (JSON), as Telegram delivers it to the webhook."""
        headers = {
            "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
            "Content-Type": "application/json",
        }
        return await self.post(WEBHOOK_PATH, update.encode(), headers, as_telegram=True)

    async def post_callback(self, body: bytes, headers: dict[str, str]) -> int:
        """A signed callback, as the sandbox acquirer sends it."""
        return await self.post(CALLBACK_PATH, body, headers)


class Zygote:
    """`tests.zygote`, started once per test session (see there why)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.zygote"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def fork(self, env: dict[str, str], cwd: str, log: str) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"env": env, "cwd": cwd, "log": log}) + "\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())


_zygote: Zygote | None = None


def zygote() -> Zygote:
    global _zygote
    if _zygote is None or _zygote.process.poll() is not None:
        _zygote = Zygote()
    return _zygote
