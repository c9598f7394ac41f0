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


# KEYS: the windows; ARGV: now, an event's id, then each window's seconds.
ADD = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
    local window = tonumber(ARGV[i + 2])
    redis.call('zremrangebyscore', key, 0, now - window)
    redis.call('zadd', key, now, ARGV[2])
    redis.call('expire', key, math.floor(window) + 1)
end
return 0
"""
# KEYS: the windows; ARGV: now, then each window's seconds. For each window its oldest
# event's time ('' when it has none) and its count.
OLDEST_AND_COUNT = """
local now = tonumber(ARGV[1])
local counted = {}
for i, key in ipairs(KEYS) do
    redis.call('zremrangebyscore', key, 0, now - tonumber(ARGV[i + 1]))
    local oldest = redis.call('zrange', key, 0, 0, 'WITHSCORES')
    counted[#counted + 1] = oldest[2] or ''
    counted[#counted + 1] = redis.call('zcard', key)
end
return counted
"""


class RedisWindows:
    """Shared by all instances: a sorted set of event times per key, every window of a call
    in one script (one round trip, and one command for redis-py to pack and read)."""

    def __init__(self, redis: Redis, prefix: str = "limits:") -> None:
        self._prefix = prefix
        self._add = redis.register_script(ADD)
        self._oldest_and_count = redis.register_script(OLDEST_AND_COUNT)

    async def add(self, windows: list[Window]) -> None:
        keys = [self._prefix + key for key, _ in windows]
        await self._add(keys=keys, args=[time.time(), uuid.uuid4().hex, *self._seconds(windows)])

    async def oldest_and_count(self, windows: list[Window]) -> list[tuple[float | None, int]]:
        keys = [self._prefix + key for key, _ in windows]
        args = [time.time(), *self._seconds(windows)]
        replies = await self._oldest_and_count(keys=keys, args=args)
        return [
            ((float(oldest) if oldest else None), int(count))
            for oldest, count in zip(replies[::2], replies[1::2], strict=True)
        ]

    @staticmethod
    def _seconds(windows: list[Window]) -> list[float]:
        return [seconds for _, seconds in windows]


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
