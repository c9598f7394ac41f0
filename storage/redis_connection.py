"""The Redis connection's timeouts, kept cheap.

A Redis that accepts connections and never answers must fail an update, not hang it, so the
connection has a socket timeout. redis-py bounds each read with `asyncio.timeout`, but each
write with `asyncio.wait_for`, which makes a task of every command sent; here the write is
bounded the same way as the read.
"""

import asyncio
from collections.abc import Iterable

from redis.asyncio import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class DeadlineConnection(Connection):
    async def send_packed_command(
        self, command: bytes | str | Iterable[bytes], check_health: bool = True
    ) -> None:
        if not self.socket_timeout:
            return await super().send_packed_command(command, check_health)
        if not self.is_connected:
            await self.connect_check_health(check_health=False)
        if check_health:
            await self.check_health()
        if isinstance(command, str):
            command = command.encode()
        if isinstance(command, bytes):
            command = [command]
        try:
            async with asyncio.timeout(self.socket_timeout):
                self._writer.writelines(command)
                await self._writer.drain()
        except TimeoutError:
            await self.disconnect(nowait=True)
            raise RedisTimeoutError("Timeout writing to socket") from None
        except OSError as error:
            await self.disconnect(nowait=True)
            raise RedisConnectionError(f"Error while writing to socket: {error}") from error
        except BaseException:
            # A write cut short leaves the connection in an unknown state (as redis-py does).
            await self.disconnect(nowait=True)
            raise
