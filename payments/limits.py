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
Capped = tuple[str, float, int]  # a window, and how many events it may hold
Full = tuple[int, float]  # which of the capped windows is full, and its oldest event's time


class Windows(Protocol):
    """Events counted in a sliding time window, per key; several windows at once (one round
    trip to Redis for all the limits of a look-up)."""

    async def add(self, windows: list[Window]) -> None: ...

    async def oldest_and_count(self, windows: list[Window]) -> list[tuple[float | None, int]]: ...

    async def admit(self, capped: list[Capped], counted: list[Window], event: str) -> Full | None:
        """The first of `capped` holding as many events as it may, or else `event` counted in
        `counted`: one step, so that instances admitting at once cannot overshoot a cap."""
        ...

    async def remove(self, keys: list[str], event: str) -> None: ...


class MemoryWindows:
    def __init__(self) -> None:
        self._events: dict[str, deque[tuple[float, str | None]]] = defaultdict(deque)

    def _trim(self, key: str, window: float) -> deque[tuple[float, str | None]]:
        events = self._events[key]
        while events and events[0][0] <= time.time() - window:
            events.popleft()
        return events

    async def add(self, windows: list[Window]) -> None:
        self._count(windows, None)

    def _count(self, windows: list[Window], event: str | None) -> None:
        for key, window in windows:
            self._trim(key, window).append((time.time(), event))

    async def oldest_and_count(self, windows: list[Window]) -> list[tuple[float | None, int]]:
        trimmed = [self._trim(key, window) for key, window in windows]
        return [((events[0][0] if events else None), len(events)) for events in trimmed]

    async def admit(self, capped: list[Capped], counted: list[Window], event: str) -> Full | None:
        for index, (key, window, allowed) in enumerate(capped):
            events = self._trim(key, window)
            if events and len(events) >= allowed:
                return index, events[0][0]
        self._count(counted, event)
        return None

    async def remove(self, keys: list[str], event: str) -> None:
        for key in keys:
            kept = [e for e in self._events[key] if e[1] != event]
            self._events[key] = deque(kept)


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


# KEYS: the capped windows, then the counted ones; ARGV: now, the event's id, how many are
# capped, each capped one's seconds and cap, then each counted one's seconds. The first full
# capped window's place (1-based) and oldest event's time, or 0 once the event is counted.
ADMIT = """
local now = tonumber(ARGV[1])
local capped = tonumber(ARGV[3])
for i = 1, capped do
    local seconds, allowed = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
    redis.call('zremrangebyscore', KEYS[i], 0, now - seconds)
    if redis.call('zcard', KEYS[i]) >= allowed then
        local oldest = redis.call('zrange', KEYS[i], 0, 0, 'WITHSCORES')
        return {i, oldest[2]}
    end
end
for i = capped + 1, #KEYS do
    local seconds = tonumber(ARGV[3 + capped + i])
    redis.call('zremrangebyscore', KEYS[i], 0, now - seconds)
    redis.call('zadd', KEYS[i], now, ARGV[2])
    redis.call('expire', KEYS[i], math.floor(seconds) + 1)
end
return {0, ''}
"""


class RedisWindows:
    """Shared by all instances: a sorted set of event times per key, every window of a call
    in one script (one round trip, and one command for redis-py to pack and read)."""

    def __init__(self, redis: Redis, prefix: str = "limits:") -> None:
        self._prefix = prefix
        self._redis = redis
        self._add = redis.register_script(ADD)
        self._oldest_and_count = redis.register_script(OLDEST_AND_COUNT)
        self._admit = redis.register_script(ADMIT)

    async def add(self, windows: list[Window]) -> None:
        keys = [self._prefix + key for key, _ in windows]
        await self._add(keys=keys, args=[time.time(), uuid.uuid4().hex, *self._seconds(windows)])

    async def admit(self, capped: list[Capped], counted: list[Window], event: str) -> Full | None:
        keys = [self._prefix + key for key, _, _ in capped]
        keys += [self._prefix + key for key, _ in counted]
        caps = [value for _, seconds, allowed in capped for value in (seconds, allowed)]
        args = [time.time(), event, len(capped), *caps, *self._seconds(counted)]
        place, oldest = await self._admit(keys=keys, args=args)
        return None if not int(place) else (int(place) - 1, float(oldest))

    async def remove(self, keys: list[str], event: str) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.zrem(self._prefix + key, event)
            await pipe.execute()

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


@dataclass(frozen=True, slots=True)
class Limited:
    """The user waits `wait_seconds` for `limit` before the next look-up."""

    limit: Limit
    wait_seconds: float


@dataclass(frozen=True, slots=True)
class Ticket:
    """A look-up let through: counted already among the user's and everyone's."""

    user_id: int
    event: str


class LookupLimiter:
    """A look-up is let through and counted in one step (`admit`); an unknown code is then
    counted among the user's unknown ones too, and a look-up the billing did not answer is
    taken back."""

    def __init__(self, windows: Windows, policy: LookupPolicy = LookupPolicy()) -> None:
        self._windows = windows
        self._policy = policy

    def _capped(self, user_id: int) -> list[tuple[Limit, Capped]]:
        p = self._policy
        return [
            (
                Limit.UNKNOWN_CODES,
                (f"unknown:{user_id}", p.user_window_seconds, p.unknown_per_user),
            ),
            (
                Limit.USER_LOOKUPS,
                (f"user:{user_id}", p.user_lookups_window_seconds, p.lookups_per_user),
            ),
            (Limit.OVERALL, ("all", p.overall_window_seconds, p.lookups_overall)),
        ]

    def _every_look_up(self, user_id: int) -> list[Window]:
        p = self._policy
        return [
            ("all", p.overall_window_seconds),
            (f"user:{user_id}", p.user_lookups_window_seconds),
        ]

    async def admit(self, user_id: int) -> Ticket | Limited:
        """A look-up let through and counted, or how long the user waits, and for which limit."""
        capped = self._capped(user_id)
        event = uuid.uuid4().hex
        full = await self._windows.admit(
            [window for _, window in capped], self._every_look_up(user_id), event
        )
        if full is None:
            return Ticket(user_id, event)
        index, oldest = full
        limit, (_, seconds, _) = capped[index]
        return Limited(limit, max(1.0, oldest + seconds - time.time()))

    async def unknown_code(self, ticket: Ticket) -> None:
        p = self._policy
        await self._windows.add([(f"unknown:{ticket.user_id}", p.user_window_seconds)])

    async def withdraw(self, ticket: Ticket) -> None:
        """The look-up was not made, or not answered: it does not count."""
        keys = [key for key, _ in self._every_look_up(ticket.user_id)]
        await self._windows.remove(keys, ticket.event)
