"""Look-ups of payment codes are limited, so codes cannot be tried one after another to
harvest payers' names: per user (unknown codes) and overall (all look-ups)."""

import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis


class Windows(Protocol):
    """Events counted in a sliding time window, per key."""

    async def add(self, key: str, window: float) -> None: ...

    async def oldest_and_count(self, key: str, window: float) -> tuple[float | None, int]: ...


class MemoryWindows:
    def __init__(self) -> None:
        self._events: dict[str, deque[float]] = defaultdict(deque)

    def _trim(self, key: str, window: float) -> deque[float]:
        events = self._events[key]
        while events and events[0] <= time.time() - window:
            events.popleft()
        return events

    async def add(self, key: str, window: float) -> None:
        self._trim(key, window).append(time.time())

    async def oldest_and_count(self, key: str, window: float) -> tuple[float | None, int]:
        events = self._trim(key, window)
        return (events[0] if events else None), len(events)


class RedisWindows:
    """Shared by all instances: a sorted set of event times per key."""

    def __init__(self, redis: Redis, prefix: str = "limits:") -> None:
        self._redis = redis
        self._prefix = prefix

    async def add(self, key: str, window: float) -> None:
        now = time.time()
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(name, 0, now - window)
            pipe.zadd(name, {uuid.uuid4().hex: now})
            pipe.expire(name, int(window) + 1)
            await pipe.execute()

    async def oldest_and_count(self, key: str, window: float) -> tuple[float | None, int]:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=False) as pipe:  # one round trip
            pipe.zremrangebyscore(name, 0, time.time() - window)
            pipe.zrange(name, 0, 0, withscores=True)
            pipe.zcard(name)
            _, oldest, count = await pipe.execute()
        return (oldest[0][1] if oldest else None), count


@dataclass(frozen=True, slots=True)
class LookupPolicy:
    unknown_per_user: int = 5
    user_window_seconds: float = 15 * 60
    lookups_overall: int = 600
    overall_window_seconds: float = 60


class LookupLimiter:
    def __init__(self, windows: Windows, policy: LookupPolicy = LookupPolicy()) -> None:
        self._windows = windows
        self._policy = policy

    async def wait_seconds(self, user_id: int) -> tuple[float, bool]:
        """How long this user must wait before the next look-up (0: none), and whether the
        wait is everyone's (the overall limit) rather than theirs."""
        p = self._policy
        oldest, count = await self._windows.oldest_and_count(
            f"unknown:{user_id}", p.user_window_seconds
        )
        if oldest is not None and count >= p.unknown_per_user:
            return max(1.0, oldest + p.user_window_seconds - time.time()), False
        oldest, count = await self._windows.oldest_and_count("all", p.overall_window_seconds)
        if oldest is not None and count >= p.lookups_overall:
            return max(1.0, oldest + p.overall_window_seconds - time.time()), True
        return 0.0, False

    async def looked_up(self, user_id: int, *, known: bool) -> None:
        await self._windows.add("all", self._policy.overall_window_seconds)
        if not known:
            await self._windows.add(f"unknown:{user_id}", self._policy.user_window_seconds)
