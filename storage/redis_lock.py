"""aiogram's per-user event lock in Redis (one update of a user at a time), kept short and let
go of after a failure.

aiogram's own keeps the lock 60 s and releases it once: when Redis stalls while an update is
handled, the release fails, and the user's next updates wait for the lock to lapse, a minute
after Redis is back. Here the lock lapses sooner, and a release that failed is tried again
until Redis answers or the lock has lapsed anyway.

Taking the lock also reads the user's FSM state and data, in the same round trip (a Lua
script), for the storage to serve while the lock is held (storage/redis_fsm.py); letting go of it
also writes what was left for then (the user's new state and data, the update handled), in the
same round trip too.
"""

import asyncio
import contextlib
import contextvars
import functools
import os
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field

import structlog
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.commands.core import AsyncScript
from redis.exceptions import LockError, RedisError

log = structlog.get_logger(__name__)

# Longer than an update's work takes (a billing look-up with its retries, then the acquirer's
# page, each bounded by its client's timeout).
LOCK_SECONDS = 15.0
RELEASE_RETRY_SECONDS = 0.5

# KEYS: the lock, the user's state, their data, their profile's version (storage.
# profile_versions)[, the update's claim]; ARGV: the token, the lifetime in ms[, the claim's
# lifetime in s]. The claim's earlier value comes back ('': none, the update is this
# instance's now).
ACQUIRE_AND_READ = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    local claimed = ''
    if KEYS[5] and not redis.call('set', KEYS[5], 'busy', 'NX', 'EX', ARGV[3]) then
        claimed = redis.call('get', KEYS[5]) or 'busy'
    end
    local version = redis.call('get', KEYS[4]) or ''
    return {1, redis.call('get', KEYS[2]), redis.call('get', KEYS[3]), claimed, version}
end
return {0}
"""
# KEYS: the lock, then the marks; ARGV: the token, then each mark's value and lifetime in s
# (an empty value: the key is deleted; a lifetime of 0: it does not expire).
MARK_AND_RELEASE = """
for i = 2, #KEYS do
    if ARGV[2 * i - 2] == '' then
        redis.call('del', KEYS[i])
    elseif ARGV[2 * i - 1] == '0' then
        redis.call('set', KEYS[i], ARGV[2 * i - 2])
    else
        redis.call('set', KEYS[i], ARGV[2 * i - 2], 'EX', ARGV[2 * i - 1])
    end
end
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


@dataclass(slots=True)
class HeldLock:
    """What the update holding a user's event lock knows: their FSM record as read when the
    lock was taken (raw, as stored), and the marks to write when it is let go of."""

    key: StorageKey
    state: str | None
    data: str | None
    marks: dict[str, tuple[str, int]] = field(default_factory=dict)
    held: bool = True
    # The update claimed with the lock, and what its claim held before ("": nothing).
    claimed: tuple[int, str] | None = None
    profile_version: str = ""  # "": the profile never changed since its version key lapsed

    def mark_at_release(self, name: str, value: str, seconds: int) -> None:
        """`name` set to `value` for `seconds` (0: for good) when the lock is let go of ("":
        deleted)."""
        self.marks[name] = (value, seconds)


HELD: contextvars.ContextVar[HeldLock | None] = contextvars.ContextVar("held_lock", default=None)
# The update being handled (the webhook sets it as it feeds one), for the user's event lock to
# claim it for this instance in its own round trip (storage.seen_updates).
UPDATE_ID: contextvars.ContextVar[int | None] = contextvars.ContextVar("update_id", default=None)
Claims = Callable[[int], tuple[str, int]]  # an update's claim: its key, its lifetime in s


def version_key(user_id: int) -> str:
    """Where the version of a user's profile is kept (storage.profile_versions)."""
    return f"profile_version:{user_id}"


def held_lock() -> HeldLock | None:
    """The event lock this update holds, if it holds one (not one it has let go of)."""
    held = HELD.get()
    return held if held is not None and held.held else None


def decoded(value: bytes | str | None) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class RecordLock(Lock):
    """redis-py's lock (its waiting, its release), whose acquiring reads the FSM record."""

    acquire_and_read: AsyncScript
    record_keys: tuple[str, str]
    version_key: str
    claim: tuple[str, int] | None = None
    record: tuple[bytes | None, bytes | None] = (None, None)
    claimed: str = ""
    profile_version: str = ""

    async def do_acquire(self, token: str | bytes) -> bool:
        assert self.timeout is not None
        keys: list[str] = [self.name, *self.record_keys, self.version_key]
        args: list[str | bytes | int] = [token, int(self.timeout * 1000)]
        if self.claim is not None:
            keys.append(self.claim[0])
            args.append(self.claim[1])
        reply = await self.acquire_and_read(keys=keys, args=args)
        if not reply[0]:
            return False
        self.record = (reply[1], reply[2])
        self.claimed = decoded(reply[3]) or ""
        self.profile_version = decoded(reply[4]) or ""
        return True


class ShortEventIsolation(RedisEventIsolation):
    def __init__(
        self,
        redis: Redis,
        record_keys: Callable[[StorageKey], tuple[str, str]],
        lock_seconds: float = LOCK_SECONDS,
        claims: Claims | None = None,
    ) -> None:
        # Waiting a little past the lifetime: a lock nobody releases has lapsed by then.
        super().__init__(
            redis, lock_kwargs={"timeout": lock_seconds, "blocking_timeout": lock_seconds + 1}
        )
        self._record_keys = record_keys
        self._claims = claims
        self._acquire_and_read = redis.register_script(ACQUIRE_AND_READ)
        self._mark_and_release = redis.register_script(MARK_AND_RELEASE)
        self._lock_seconds = lock_seconds
        self._retries: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        name = self.key_builder.build(key, "lock")
        lock = self.redis.lock(name=name, **self.lock_kwargs, lock_class=RecordLock)
        lock.acquire_and_read = self._acquire_and_read
        lock.record_keys = self._record_keys(key)
        lock.version_key = version_key(key.user_id)
        update_id = UPDATE_ID.get()
        if self._claims is not None and update_id is not None:
            lock.claim = self._claims(update_id)
        # A random token: redis-py's default (uuid1, time-based) costs several times as much.
        if not await lock.acquire(token=os.urandom(16).hex()):
            raise LockError("the user's event lock was not acquired in time", lock_name=name)
        token = lock.local.token
        lapses_at = asyncio.get_running_loop().time() + self._lock_seconds
        state, data = lock.record
        held = HeldLock(key, decoded(state), decoded(data), profile_version=lock.profile_version)
        if lock.claim is not None and update_id is not None:
            held.claimed = (update_id, lock.claimed)
        reset = HELD.set(held)
        try:
            yield None
        finally:
            held.held = False
            HELD.reset(reset)
            release = functools.partial(self._release, name, token, held.marks)
            if not await release():
                task = asyncio.create_task(self._release_when_back(release, lapses_at))
                self._retries.add(task)
                task.add_done_callback(self._retries.discard)

    async def _release(self, name: str, token: bytes, marks: dict[str, tuple[str, int]]) -> bool:
        """Whether the lock is let go of (or lapsed already) and the marks written; False:
        Redis did not answer."""
        args: list[str | bytes | int] = [token]
        for value, seconds in marks.values():
            args += [value, seconds]
        try:
            released = await self._mark_and_release(keys=[name, *marks], args=args)
        except (RedisError, OSError) as error:
            log.warning("event_lock.release_failed", error=type(error).__name__)
            return False
        if not released:  # it lapsed: the update ran longer than the lock's lifetime
            log.warning("event_lock.lapsed")
        return True

    async def _release_when_back(
        self, release: Callable[[], Awaitable[bool]], lapses_at: float
    ) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < lapses_at:
            await asyncio.sleep(RELEASE_RETRY_SECONDS)
            if await release():
                log.info("event_lock.released_late")
                return

    async def close(self) -> None:
        for task in self._retries:
            task.cancel()
        await asyncio.gather(*self._retries, return_exceptions=True)
