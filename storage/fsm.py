"""aiogram FSM storage in the bot's own database, so a conversation survives a restart.

It serves one bot process per database (several instances keep their FSM in Redis), so the
latest state of each recent conversation is also kept in memory: aiogram reads the state of
every update, and those reads never reach the database. Every change is written through at
once, in one upsert, before the handler goes on.
"""

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
from sqlalchemy import bindparam, select, text

from core.clock import utcnow
from storage.db import SessionFactory
from storage.direct import Query, execute, read
from storage.models import FsmRecord
from storage.recent import Recent

COLUMNS = FsmRecord.__table__.c
RECORD = Query(select(COLUMNS.state, COLUMNS.data).where(COLUMNS.key == bindparam("key")))
INSERT = (
    'INSERT INTO fsm_records ("key", state, data, updated_at)'
    ' VALUES (:key, :state, :data, :updated_at) ON CONFLICT ("key") DO UPDATE SET '
)
# Written out (the same SQL in SQLite and PostgreSQL) because SQLAlchemy compiles its own
# ON CONFLICT construct anew on every call, and one of these runs on almost every update.
UPSERTS = {
    changed: Query(
        text(INSERT + sets).bindparams(
            bindparam("data", type_=COLUMNS.data.type),
            bindparam("updated_at", type_=COLUMNS.updated_at.type),
        )
    )
    for changed, sets in (
        ("state", "state = excluded.state, updated_at = excluded.updated_at"),
        ("data", "data = excluded.data, updated_at = excluded.updated_at"),
    )
}


class SqlStorage(BaseStorage):
    def __init__(
        self,
        sessions: SessionFactory,
        remembered: int,
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self._sessions = sessions
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._recent: Recent[str, tuple[str | None, dict[str, Any]]] = Recent(remembered)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(self._keys.build(key), "state", value)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._read(self._keys.build(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(self._keys.build(key), "data", dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._read(self._keys.build(key))
        return dict(data)

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""

    async def _read(self, key: str) -> tuple[str | None, dict[str, Any]]:
        if key in self._recent:
            return self._recent[key]
        record = await read(self._sessions, lambda c: c.first(RECORD, {"key": key}))
        return self._recent.keep(key, (record.state, record.data) if record else (None, {}))

    async def _write(self, key: str, changed: str, value: Any) -> None:
        state, data = await self._read(key)
        stored = {"key": key, "state": state, "data": data}
        if stored[changed] == value:
            return  # aiogram clears a clear conversation, for one
        row = {**stored, changed: value, "updated_at": utcnow()}
        await execute(self._sessions, UPSERTS[changed], row)
        self._recent.keep(key, (row["state"], row["data"]))
