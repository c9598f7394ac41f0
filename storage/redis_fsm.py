"""aiogram's FSM storage in Redis, read and written once an update: the event lock's
acquiring reads the user's state and data in the same round trip (storage/redis_lock.py),
while the update holds the lock they are served from that read, and its changes are written
when it lets go of the lock, in that round trip too. An update that dies on the way leaves
neither its changes nor its "handled" mark: Telegram delivers it again to the old state.

Only the update holding a user's lock changes that user's record, so the read stays true
until the lock is let go of; then it is no longer used, even by a task the update started.
Changes to a record whose lock this update does not hold are written through at once.
"""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, cast

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from storage.redis_lock import HeldLock, held_lock


class LockedRedisStorage(RedisStorage):
    def record_keys(self, key: StorageKey) -> tuple[str, str]:
        """The Redis keys of a user's state and data, for the lock to read them."""
        return self.key_builder.build(key, "state"), self.key_builder.build(key, "data")

    @staticmethod
    def _held(key: StorageKey) -> HeldLock | None:
        held = held_lock()
        return held if held is not None and held.key == key else None

    async def get_state(self, key: StorageKey) -> str | None:
        if (record := self._held(key)) is None:
            return await super().get_state(key)
        return record.state

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        if (record := self._held(key)) is None:
            return await super().get_data(key)
        return {} if record.data is None else cast(dict[str, Any], self.json_loads(record.data))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        record = self._held(key)
        if record is None:
            await super().set_state(key, value)
            return
        if value is None and record.state is None:
            return  # nothing to delete
        record.state = value
        name = self.key_builder.build(key, "state")
        record.mark_at_release(name, value or "", _seconds(self.state_ttl))

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        record = self._held(key)
        if record is None:
            await super().set_data(key, data)
            return
        if not data and record.data is None:
            return  # nothing to delete
        record.data = self.json_dumps(dict(data)) if data else None
        name = self.key_builder.build(key, "data")
        record.mark_at_release(name, record.data or "", _seconds(self.data_ttl))


def _seconds(ttl: int | timedelta | None) -> int:
    """A record's lifetime as the release script takes it (0: none)."""
    return int(ttl.total_seconds()) if isinstance(ttl, timedelta) else ttl or 0
