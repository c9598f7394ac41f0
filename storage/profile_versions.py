"""Which version of a user's profile (language, consents, reachability) is the latest, for
several bot instances sharing Redis: each change moves the version on before it is written,
and an update is told the version current when it took the user's event lock, in the same
round trip (storage.redis_lock). An instance keeps a user's profile in memory only with the
version it was read at, and reads it again when its update was told another."""

import time

from redis.asyncio import Redis

from storage.redis_lock import held_lock, version_key

# A version key outlives by far the memory of what was read at it (`TRUSTED_SECONDS`): a key
# that lapsed and counts from 1 again never matches a profile kept from before.
KEY_DAYS = 30
# A change whose second move (after its write) was cut short by a crash is read within this.
TRUSTED_SECONDS = 600.0

MOVE_ON = """
local version = redis.call('incr', KEYS[1])
redis.call('expire', KEYS[1], ARGV[1])
return version
"""


class ProfileVersions:
    def __init__(self, redis: Redis) -> None:
        self._move_on = redis.register_script(MOVE_ON)

    async def move_on(self, user_id: int) -> None:
        """A new version, before the change is written: whoever reads the profile after this
        reads it from the database."""
        version = str(await self._move_on(keys=[version_key(user_id)], args=[KEY_DAYS * 86400]))
        held = held_lock()
        if held is not None and held.key.user_id == user_id:
            held.profile_version = version  # what this update writes next is of this version

    @staticmethod
    def of_this_update(user_id: int) -> str | None:
        """The version this update was told, if it holds the user's event lock."""
        held = held_lock()
        if held is None or held.key.user_id != user_id:
            return None
        return held.profile_version


class Seen:
    """The version a kept profile was read (or written) at, and when."""

    __slots__ = ("at", "version")

    def __init__(self, version: str) -> None:
        self.version = version
        self.at = time.monotonic()

    def current(self, version: str | None) -> bool:
        return (
            version is not None
            and version == self.version
            and time.monotonic() - self.at < TRUSTED_SECONDS
        )
