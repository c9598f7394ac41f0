"""SQLite run in the event loop's own thread, behind the interface SQLAlchemy expects of aiosqlite.

A point query on a local SQLite file is far quicker than aiosqlite's hand-over of every call
(cursor, execute, fetch, close) to its worker thread and back, so statements run inline
here. Only when another process holds the file's write lock (a CLI import, say) does
a statement wait, and it waits in a worker thread on SQLite's busy timeout, never in the loop.
"""

import asyncio
import functools
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.util import await_only

BUSY_TIMEOUT_MS = 30_000
SET_UP = (
    "PRAGMA journal_mode=WAL",
    # In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits,
    # which acquirers' retries and reconciliation recover. PostgreSQL is for production.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)


def _locked(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


class InlineConnection:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._tx = _RunNow()  # SQLAlchemy's adapter sets isolation_level through this queue

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def run(self, call: Callable[..., Any], *args: Any) -> Any:
        try:
            return call(*args)
        except sqlite3.OperationalError as error:
            if not _locked(error):
                raise
        return await asyncio.to_thread(self._patiently, call, *args)

    def _patiently(self, call: Callable[..., Any], *args: Any) -> Any:
        self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        try:
            return call(*args)
        finally:
            self._conn.execute("PRAGMA busy_timeout=0")

    def begin_immediate(self) -> None:
        """Take the write lock now (SQLAlchemy's "begin" event, in its greenlet): straight to
        SQLite, not through SQLAlchemy's statement machinery, which costs far more."""
        await_only(self.run(self._conn.execute, "BEGIN IMMEDIATE"))

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    async def fetch(self, sql: str, parameters: Sequence[Any]) -> list[Any]:
        """A statement's rows, for storage.direct."""
        return await self.run(lambda: self._conn.execute(sql, parameters).fetchall())

    async def cursor(self) -> "InlineCursor":
        return InlineCursor(self, self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> "InlineCursor":
        cursor = await self.cursor()
        return await cursor.execute(sql, parameters)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        await self.run(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:
        self._conn.close()


class InlineCursor:
    def __init__(self, connection: InlineConnection, cursor: sqlite3.Cursor) -> None:
        self._connection = connection
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> "InlineCursor":
        await self._connection.run(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> "InlineCursor":
        await self._connection.run(self._cursor.executemany, sql, rows)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int = 1) -> list[Any]:
        return self._cursor.fetchmany(size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _RunNow:
    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, call = item
        future.set_result(call())


async def connect(database: str) -> InlineConnection:
    """A connection outside transactions unless one is begun, set up for the bot (`SET_UP`)."""
    if database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connection = InlineConnection(
        sqlite3.connect(database, timeout=0, check_same_thread=False, isolation_level=None)
    )
    for pragma in SET_UP:
        await connection.fetch(pragma, ())
    return connection


def inline_connector(database: str) -> Callable[[], Awaitable[InlineConnection]]:
    """The `async_creator` for create_async_engine."""
    return functools.partial(connect, database)
