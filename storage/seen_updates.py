"""Which Telegram updates were handled already: in memory for one instance, in Redis for several."""

from collections import deque
from enum import Enum
from typing import Protocol

from redis.asyncio import Redis

from storage.redis_lock import decoded, held_lock


class Claim(Enum):
    NEW = "new"
    IN_PROGRESS = "in progress"
    DONE = "done"


class SeenUpdates(Protocol):
    async def claim(self, update_id: int) -> Claim: ...

    async def done(self, update_id: int) -> None: ...

    async def forget(self, update_id: int) -> None: ...


class MemorySeenUpdates:
    """One process: the latest update ids (Telegram redelivers recent ones only)."""

    def __init__(self, size: int = 10_000) -> None:
        self._busy: set[int] = set()
        self._order: deque[int] = deque(maxlen=size)
        self._done: set[int] = set()

    async def claim(self, update_id: int) -> Claim:
        if update_id in self._done:
            return Claim.DONE
        if update_id in self._busy:
            return Claim.IN_PROGRESS
        self._busy.add(update_id)
        return Claim.NEW

    async def done(self, update_id: int) -> None:
        self._busy.discard(update_id)
        if len(self._order) == self._order.maxlen:
            self._done.discard(self._order[0])
        self._order.append(update_id)
        self._done.add(update_id)

    async def forget(self, update_id: int) -> None:
        self._busy.discard(update_id)


class RedisSeenUpdates:
    """Several instances: the first to claim an update id in Redis handles it. The claim
    lapses after `busy_seconds` unless the update was handled, so an update whose instance
    died mid-way is handled when Telegram delivers it again. An update handled under its
    user's event lock is claimed as the lock is taken (when the webhook named it) and marked
    done as it is let go of, each in the lock's own round trip."""

    def __init__(
        self,
        redis: Redis,
        bot_id: int,
        busy_seconds: int = 60,
        done_seconds: int = 24 * 3600,  # Telegram keeps an update for 24 hours
    ) -> None:
        self._redis = redis
        self._prefix = f"bot:{bot_id}:update:"
        self._busy = busy_seconds
        self._done = done_seconds

    def claim_key(self, update_id: int) -> tuple[str, int]:
        """The update's claim for the event lock to take: its key and lifetime."""
        return self._key(update_id), self._busy

    async def claim(self, update_id: int) -> Claim:
        lock = held_lock()
        if lock is not None and lock.claimed is not None and lock.claimed[0] == update_id:
            before = lock.claimed[1]
        else:
            key = self._key(update_id)
            if await self._redis.set(key, "busy", nx=True, ex=self._busy):
                return Claim.NEW
            before = decoded(await self._redis.get(key)) or "busy"  # lapsed meanwhile
        if not before:
            return Claim.NEW
        return Claim.DONE if before == "done" else Claim.IN_PROGRESS

    async def done(self, update_id: int) -> None:
        if (lock := held_lock()) is not None:
            lock.mark_at_release(self._key(update_id), "done", self._done)
            return
        await self._redis.set(self._key(update_id), "done", ex=self._done)

    async def forget(self, update_id: int) -> None:
        await self._redis.delete(self._key(update_id))

    def _key(self, update_id: int) -> str:
        return f"{self._prefix}{update_id}"
