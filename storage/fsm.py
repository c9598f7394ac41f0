"""aiogram FSM storage in the bot's own database, so a conversation survives a restart."""

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)

from payments.clock import utcnow
from storage.db import SessionFactory, transaction
from storage.models import FsmRecord


class SqlStorage(BaseStorage):
    def __init__(self, sessions: SessionFactory, key_builder: KeyBuilder | None = None) -> None:
        self._sessions = sessions
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        record = await self._read(key)
        return record.state if record else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = await self._read(key)
        return dict(record.data) if record else {}

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""

    async def _read(self, key: StorageKey) -> FsmRecord | None:
        async with self._sessions() as session:
            return await session.get(FsmRecord, self._keys.build(key))

    async def _write(self, key: StorageKey, **values: Any) -> None:
        async with transaction(self._sessions) as session:
            record = await session.get(FsmRecord, self._keys.build(key), with_for_update=True)
            if record is None:
                session.add(FsmRecord(key=self._keys.build(key), **values))
                return
            for name, value in values.items():
                setattr(record, name, value)
            record.updated_at = utcnow()
