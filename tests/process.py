"""The bot as a real operating-system process (`python -m bot run`), to kill and to multiply."""

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK_SECRET = "instance-secret"


class BotProcess:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
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
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=self.env, stdout=log, stderr=log
        )
        log.close()
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                if self.process.returncode is not None:
                    raise RuntimeError(f"the bot exited: {self.log_path.read_text()[-2000:]}")
                try:
                    async with http.get(f"{self.url}/readyz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"the bot did not get ready: {self.log_path.read_text()[-2000:]}")

    async def kill(self) -> None:
        """SIGKILL: no clean-up, no goodbye, as a crash or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                await self.kill()

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.url + path, data=body, headers=headers) as response,
        ):
            return response.status
