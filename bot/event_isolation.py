"""aiogram's per-user event lock in Redis (one update of a user at a time), kept short and let
go of after a failure.

aiogram's own keeps the lock 60 s and releases it once: when Redis stalls while an update is
handled, the release fails, and the user's next updates wait for the lock to lapse, a minute
after Redis is back. Here the lock lapses sooner, and a release that failed is tried again
until Redis answers or the lock has lapsed anyway.

Taking the lock also reads the user's FSM state and data, in the same round trip (a Lua
script), for the storage to serve while the lock is held (bot/redis_fsm.py).
"""

import asyncio
import contextlib
from collections.abc import AsyncGenerator

import structlog
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.commands.core import AsyncScript
from redis.exceptions import LockError, RedisError

from bot.redis_fsm import HELD, LockedRedisStorage

log = structlog.get_logger(__name__)

# Longer than an update's work takes (a billing look-up with its retries, then the acquirer's
# page, each bounded by its client's timeout).
LOCK_SECONDS = 15.0
RELEASE_RETRY_SECONDS = 0.5

# KEYS: the lock, the user's state, their data; ARGV: the token, the lifetime in ms.
ACQUIRE_AND_READ = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return {1, redis.call('get', KEYS[2]), redis.call('get', KEYS[3])}
end
return {0}
"""


class RecordLock(Lock):
    """redis-py's lock (its waiting, its release), whose acquiring reads the FSM record."""

    acquire_and_read: AsyncScript
    record_keys: tuple[str, str]
    record: tuple[bytes | None, bytes | None] = (None, None)

    async def do_acquire(self, token: str | bytes) -> bool:
        assert self.timeout is not None
        reply = await self.acquire_and_read(
            keys=[self.name, *self.record_keys], args=[token, int(self.timeout * 1000)]
        )
        if not reply[0]:
            return False
        self.record = (reply[1], reply[2])
        return True


class ShortEventIsolation(RedisEventIsolation):
    def __init__(
        self, redis: Redis, storage: LockedRedisStorage, lock_seconds: float = LOCK_SECONDS
    ) -> None:
        # Waiting a little past the lifetime: a lock nobody releases has lapsed by then.
        super().__init__(
            redis, lock_kwargs={"timeout": lock_seconds, "blocking_timeout": lock_seconds + 1}
        )
        self._storage = storage
        self._acquire_and_read = redis.register_script(ACQUIRE_AND_READ)
        self._lock_seconds = lock_seconds
        self._retries: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        name = self.key_builder.build(key, "lock")
        lock = self.redis.lock(name=name, **self.lock_kwargs, lock_class=RecordLock)
        lock.acquire_and_read = self._acquire_and_read
        lock.record_keys = self._storage.record_keys(key)
        if not await lock.acquire():
            raise LockError("the user's event lock was not acquired in time", lock_name=name)
        token = lock.local.token
        lapses_at = asyncio.get_running_loop().time() + self._lock_seconds
        record = self._storage.hold(key, *lock.record)
        held = HELD.set(record)
        try:
            yield None
        finally:
            record.held = False
            HELD.reset(held)
            if not await self._release(lock, token):
                task = asyncio.create_task(self._release_when_back(lock, token, lapses_at))
                self._retries.add(task)
                task.add_done_callback(self._retries.discard)

    @staticmethod
    async def _release(lock: Lock, token: bytes) -> bool:
        """Whether the lock is let go of (or lapsed already); False: Redis did not answer."""
        try:
            await lock.do_release(token)
        except LockError:  # it lapsed: the update ran longer than the lock's lifetime
            log.warning("event_lock.lapsed")
        except (RedisError, OSError) as error:
            log.warning("event_lock.release_failed", error=type(error).__name__)
            return False
        return True

    async def _release_when_back(self, lock: Lock, token: bytes, lapses_at: float) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < lapses_at:
            await asyncio.sleep(RELEASE_RETRY_SECONDS)
            if await self._release(lock, token):
                log.info("event_lock.released_late")
                return

    async def close(self) -> None:
        for task in self._retries:
            task.cancel()
        await asyncio.gather(*self._retries, return_exceptions=True)
