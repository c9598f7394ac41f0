"""aiogram FSM storage in the bot's own database, so a conversation survives a restart.

It serves one bot process per database (several instances keep their FSM in Redis), so the
latest state of each recent conversation is kept in memory: aiogram reads the state of every
update, and those reads never reach the database.

Changes are saved a moment later, together (`SAVE_AFTER_SECONDS`), in one transaction, and
when the bot stops: the conversation's state is soft, as it is in Redis, which keeps it in
memory too. A crash loses at most that moment's steps, and only their place in the
conversation: payments, consents and profiles are written at once by their own stores, and
the buttons carry what they act on.
"""

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import structlog
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
from storage.direct import DirectConnection, Query, read, write
from storage.models import FsmRecord
from storage.recent import Recent

log = structlog.get_logger(__name__)

SAVE_AFTER_SECONDS = 0.5

COLUMNS = FsmRecord.__table__.c
RECORD = Query(select(COLUMNS.state, COLUMNS.data).where(COLUMNS.key == bindparam("key")))
# Written out (the same SQL in SQLite and PostgreSQL) because SQLAlchemy compiles its own
# ON CONFLICT construct anew on every call.
UPSERT = Query(
    text(
        'INSERT INTO fsm_records ("key", state, data, updated_at)'
        ' VALUES (:key, :state, :data, :updated_at) ON CONFLICT ("key") DO UPDATE SET'
        " state = excluded.state, data = excluded.data, updated_at = excluded.updated_at"
    ).bindparams(
        bindparam("data", type_=COLUMNS.data.type),
        bindparam("updated_at", type_=COLUMNS.updated_at.type),
    )
)

Record = tuple[str | None, dict[str, Any]]
STATE, DATA = 0, 1  # a record's places


class SqlStorage(BaseStorage):
    def __init__(
        self,
        sessions: SessionFactory,
        remembered: int,
        key_builder: KeyBuilder | None = None,
        save_after: float = SAVE_AFTER_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._recent: Recent[str, Record] = Recent(remembered)
        self._save_after = save_after
        self._unsaved: dict[str, tuple[Record, datetime]] = {}
        self._saving: dict[str, tuple[Record, datetime]] = {}  # in the transaction under way
        self._saver: asyncio.Task[None] | None = None

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(self._keys.build(key), STATE, value)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._read(self._keys.build(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(self._keys.build(key), DATA, dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._read(self._keys.build(key))
        return dict(data)

    async def close(self) -> None:
        """What is not saved yet, saved now. The engine belongs to the application, which
        disposes of it after this."""
        if self._saver is not None:
            self._saver.cancel()
            await asyncio.gather(self._saver, return_exceptions=True)
        await self._save()

    async def _read(self, key: str) -> Record:
        for pending in (self._unsaved, self._saving):
            if key in pending:
                return pending[key][0]
        if key in self._recent:
            return self._recent[key]
        record = await read(self._sessions, lambda c: c.first(RECORD, {"key": key}))
        return self._recent.keep(key, (record.state, record.data) if record else (None, {}))

    async def _write(self, key: str, place: int, value: Any) -> None:
        stored = await self._read(key)
        if stored[place] == value:
            return  # aiogram clears a clear conversation, for one
        changed = (value, stored[DATA]) if place == STATE else (stored[STATE], value)
        self._recent.keep(key, changed)
        self._unsaved[key] = (changed, utcnow())
        if self._saver is None:
            self._saver = asyncio.create_task(self._save_later(), name="fsm.save")

    async def _save_later(self) -> None:
        try:
            await asyncio.sleep(self._save_after)
            await self._save()
        finally:
            self._saver = None
        if self._unsaved:  # changed while the transaction ran, or it failed
            self._saver = asyncio.create_task(self._save_later(), name="fsm.save")

    async def _save(self) -> None:
        if not self._unsaved:
            return
        self._saving, self._unsaved = self._unsaved, {}

        async def upsert_all(connection: DirectConnection) -> None:
            for key, ((state, data), updated_at) in self._saving.items():
                row = {"key": key, "state": state, "data": data, "updated_at": updated_at}
                await connection.all(UPSERT, row)

        saved = False
        try:
            await write(self._sessions, upsert_all)
            saved = True
        except Exception:
            log.exception("fsm.save_failed", records=len(self._saving))
        finally:
            if not saved:  # tried again, each conversation's latest kept
                self._unsaved = self._saving | self._unsaved
            self._saving = {}
