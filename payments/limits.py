"""Look-ups of payment codes are limited, so codes cannot be tried one after another to
harvest payers' names: per user (all look-ups, and unknown codes) and overall (all look-ups).
Every look-up counts, whether a code was typed, sent in a link or pressed on a button."""

import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from redis.asyncio import Redis

Window = tuple[str, float]  # a key, and how many seconds back its events count


class Windows(Protocol):
    """Events counted in a sliding time window, per key; several windows at once (one round
    trip to Redis for all the limits of a look-up)."""

    async def add(self, windows: list[Window]) -> None: ...

    async def oldest_and_count(self, windows: list[Window]) -> list[tuple[float | None, int]]: ...


class MemoryWindows:
    def __init__(self) -> None:
        self._events: dict[str, deque[float]] = defaultdict(deque)

    def _trim(self, key: str, window: float) -> deque[float]:
        events = self._events[key]
        while events and events[0] <= time.time() - window:
            events.popleft()
        return events

    async def add(self, windows: list[Window]) -> None:
        for key, window in windows:
            self._trim(key, window).append(time.time())

    async def oldest_and_count(self, windows: list[Window]) -> list[tuple[float | None, int]]:
        trimmed = [self._trim(key, window) for key, window in windows]
        return [((events[0] if events else None), len(events)) for events in trimmed]


class RedisWindows:
    """Shared by all instances: a sorted set of event times per key."""

    def __init__(self, redis: Redis, prefix: str = "limits:") -> None:
        self._redis = redis
        self._prefix = prefix

    async def add(self, windows: list[Window]) -> None:
        now = time.time()
        async with self._redis.pipeline(transaction=True) as pipe:
            for key, window in windows:
                name = self._prefix + key
                pipe.zremrangebyscore(name, 0, now - window)
                pipe.zadd(name, {uuid.uuid4().hex: now})
                pipe.expire(name, int(window) + 1)
            await pipe.execute()

    async def oldest_and_count(self, windows: list[Window]) -> list[tuple[float | None, int]]:
        now = time.time()
        async with self._redis.pipeline(transaction=False) as pipe:  # one round trip
            for key, window in windows:
                name = self._prefix + key
                pipe.zremrangebyscore(name, 0, now - window)
                pipe.zrange(name, 0, 0, withscores=True)
                pipe.zcard(name)
            replies = await pipe.execute()
        return [
            ((oldest[0][1] if oldest else None), count)
            for oldest, count in zip(replies[1::3], replies[2::3], strict=True)
        ]


@dataclass(frozen=True, slots=True)
class LookupPolicy:
    unknown_per_user: int = 5
    user_window_seconds: float = 15 * 60
    # Any code, known ones too: one account cannot use up the overall limit for everyone.
    lookups_per_user: int = 30
    user_lookups_window_seconds: float = 60
    lookups_overall: int = 600
    overall_window_seconds: float = 60


class Limit(Enum):
    """Which limit a user waits for."""

    UNKNOWN_CODES = "unknown_codes"
    USER_LOOKUPS = "user_lookups"
    OVERALL = "overall"


class LookupLimiter:
    def __init__(self, windows: Windows, policy: LookupPolicy = LookupPolicy()) -> None:
        self._windows = windows
        self._policy = policy

    def _limits(self, user_id: int) -> list[tuple[Limit, str, int, float]]:
        p = self._policy
        return [
            (Limit.UNKNOWN_CODES, f"unknown:{user_id}", p.unknown_per_user, p.user_window_seconds),
            (
                Limit.USER_LOOKUPS,
                f"user:{user_id}",
                p.lookups_per_user,
                p.user_lookups_window_seconds,
            ),
            (Limit.OVERALL, "all", p.lookups_overall, p.overall_window_seconds),
        ]

    async def wait_for(self, user_id: int) -> tuple[float, Limit | None]:
        """How long this user must wait before the next look-up (0: none), and for which
        limit (None: none)."""
        limits = self._limits(user_id)
        counted = await self._windows.oldest_and_count(
            [(key, window) for _, key, _, window in limits]
        )
        for (limit, _, allowed, window), (oldest, count) in zip(limits, counted, strict=True):
            if oldest is not None and count >= allowed:
                return max(1.0, oldest + window - time.time()), limit
        return 0.0, None

    async def looked_up(self, user_id: int, *, known: bool) -> None:
        p = self._policy
        windows = [
            ("all", p.overall_window_seconds),
            (f"user:{user_id}", p.user_lookups_window_seconds),
        ]
        if not known:
            windows.append((f"unknown:{user_id}", p.user_window_seconds))
        await self._windows.add(windows)
