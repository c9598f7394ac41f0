"""The statements run on almost every update, straight on the pooled driver connection.

A `Query` is built with SQLAlchemy Core and compiled by it once per dialect, with its types'
own conversions to and from the driver; what is left out is SQLAlchemy's execution layer
(connection, execution context, result), which costs many times what SQLite or asyncpg take
for such a statement. `write` checks a connection out of the engine's pool, so it queues with
every other user of it, as a session does; so do `read` and `execute` on PostgreSQL. On SQLite
these two run on a connection of their own (`_Lane`).

A query carries every value it writes: column defaults computed in Python are not applied
here, and a statement that would need them is refused when it is compiled.
"""

import asyncio
import contextlib
import sqlite3
import weakref
from collections import namedtuple
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import asyncpg
from sqlalchemy import exc, literal_column
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement, Insert, visitors
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.util import greenlet_spawn

from storage.db import SessionFactory
from storage.sqlite_inline import InlineConnection, connect

T = TypeVar("T")
Convert = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the bound parameters, in the driver's order
    fixed: dict[str, Any]  # values the statement itself holds (a status, a LIMIT)
    to_driver: tuple[Convert, ...]
    row: type[tuple[Any, ...]]
    from_driver: tuple[Convert, ...]

    def arguments(self, params: dict[str, Any]) -> list[Any]:
        values = [params[n] if n in params else self.fixed[n] for n in self.names]
        return [
            v if c is None or v is None else c(v)
            for v, c in zip(values, self.to_driver, strict=True)
        ]

    def rows(self, records: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        convert = self.from_driver
        if not any(convert):
            return [self.row(*record) for record in records]
        return [
            self.row(
                *(
                    v if c is None or v is None else c(v)
                    for v, c in zip(record, convert, strict=True)
                )
            )
            for record in records
        ]


class Query:
    """A Core statement (with named `bindparam`s), compiled once per dialect. An INSERT
    without values inserts the columns named by the parameters it is run with, as
    SQLAlchemy's own execution does: compiled once per dialect and set of columns."""

    __slots__ = ("_compiled", "_insert", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._insert = isinstance(statement, Insert)
        self._compiled: dict[tuple[str, frozenset[str]], _Compiled] = {}

    def compiled(self, dialect: Dialect, params: dict[str, Any]) -> _Compiled:
        key = (dialect.name, frozenset(params) if self._insert else frozenset())
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = self._compile(dialect, sorted(key[1]))
        return found

    def _compile(self, dialect: Dialect, columns: list[str]) -> _Compiled:
        statement = _constants_inline(self.statement, dialect)
        compiled: Any = statement.compile(dialect=dialect, column_keys=columns or None)
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError(f"give every column's value: {compiled.string}")
        names = tuple(compiled.positiontup)
        binds = compiled.binds
        exported = list(getattr(statement, "exported_columns", ()))
        return _Compiled(
            sql=compiled.string,
            names=names,
            fixed={n: b.effective_value for n, b in binds.items() if not b.required},
            to_driver=tuple(
                binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names
            ),
            row=namedtuple("Row", [c.key for c in exported], rename=True),  # type: ignore[misc]
            from_driver=tuple(
                c.type.dialect_impl(dialect).result_processor(dialect, None) for c in exported
            ),
        )


def _constants_inline(statement: ClauseElement, dialect: Dialect) -> ClauseElement:
    """The values the statement itself holds (a status it looks for) written into its SQL,
    only the named parameters left bound. SQLite prepares a statement again on every run
    when a bound value could choose a partial index (`status = 'created'` on payments)."""

    def inline(element: Any, **_: Any) -> ClauseElement | None:
        if isinstance(element, BindParameter) and not element.required and not element.type._isnull:
            literal = element.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
            return literal_column(literal.string, element.type)
        return None

    return visitors.replacement_traverse(statement, {}, inline)


DRIVER_ERRORS = (sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError, OSError)
GONE = (asyncpg.InterfaceError, asyncpg.PostgresConnectionError, OSError)


class _Driver(Protocol):
    async def fetch(self, sql: str, args: list[Any]) -> Sequence[Sequence[Any]]: ...

    async def command(self, sql: str) -> None: ...

    def in_transaction(self) -> bool: ...


class _Sqlite:
    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection

    async def fetch(self, sql: str, args: list[Any]) -> Sequence[Sequence[Any]]:
        return await self._connection.fetch(sql, args)

    async def command(self, sql: str) -> None:
        await self._connection.fetch(sql, [])

    def in_transaction(self) -> bool:
        return self._connection.in_transaction


class _Postgres:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def fetch(self, sql: str, args: list[Any]) -> Sequence[Sequence[Any]]:
        return await self._connection.fetch(sql, *args)

    async def command(self, sql: str) -> None:
        await self._connection.execute(sql)  # the simple protocol: nothing to prepare

    def in_transaction(self) -> bool:
        return self._connection.is_in_transaction()


class DirectConnection:
    """What the work given to `read` or `write` runs its queries on."""

    def __init__(self, driver: _Driver, dialect: Dialect) -> None:
        self._driver = driver
        self._dialect = dialect

    async def all(self, query: Query, params: dict[str, Any] | None = None) -> list[Any]:
        params = params or {}
        compiled = query.compiled(self._dialect, params)
        records = await self.sql(compiled.sql, compiled.arguments(params))
        return compiled.rows(records)

    async def first(self, query: Query, params: dict[str, Any] | None = None) -> Any:
        rows = await self.all(query, params)
        return rows[0] if rows else None

    async def scalar(self, query: Query, params: dict[str, Any] | None = None) -> Any:
        row = await self.first(query, params)
        return None if row is None else row[0]

    async def command(self, sql: str) -> None:
        """A statement without values or rows: BEGIN, COMMIT."""
        await self.sql(sql, None)

    async def sql(self, sql: str, args: list[Any] | None) -> Sequence[Sequence[Any]]:
        """The driver's errors as SQLAlchemy names them, which is what callers catch (without
        the values, as the engine's `hide_parameters` logs them)."""
        try:
            if args is None:
                await self._driver.command(sql)
                return []
            return await self._driver.fetch(sql, args)
        except (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError) as error:
            raise exc.IntegrityError(sql, None, error) from error
        except (sqlite3.OperationalError, *GONE) as error:
            raise exc.OperationalError(sql, None, error) from error
        except DRIVER_ERRORS as error:
            raise exc.DatabaseError(sql, None, error) from error


@asynccontextmanager
async def _checked_out(engine: AsyncEngine) -> AsyncIterator[DirectConnection]:
    pooled = await engine.raw_connection()
    driver = pooled.driver_connection
    direct = _Sqlite(driver) if isinstance(driver, InlineConnection) else _Postgres(driver)
    try:
        yield DirectConnection(direct, engine.dialect)
    except exc.OperationalError as error:
        if isinstance(error.orig, GONE):
            # The server went away: the pool opens another connection.
            await greenlet_spawn(pooled.invalidate, error.orig)
        raise
    finally:
        if pooled.is_valid and direct.in_transaction():
            # A transaction cut short where it could not be undone: not given to anyone else.
            await greenlet_spawn(pooled.invalidate)
        await greenlet_spawn(pooled.close)


class _Lane:
    """SQLite's connection for reads and lone statements, beside the pool's one connection,
    whose checkout and return (two greenlet hops and the pool's reset) cost several times a
    point query. Its statements run in the event loop's thread without giving way and never
    inside a transaction, so the updates share it. Only while a statement waits in a worker
    thread for another process's write lock (storage.sqlite_inline) is it taken: the rest
    use the pool meanwhile."""

    def __init__(self, connection: InlineConnection, dialect: Dialect) -> None:
        self.driver = _Sqlite(connection)
        self.connection = DirectConnection(self.driver, dialect)
        self.taken = asyncio.Lock()
        self.close = connection.stop


# Keyed by the engine's id, not the engine: an AsyncEngine hashes and compares in Python, at
# a cost every statement would pay twice. The entry goes with the engine (`_forget_lane`).
_LANES: dict[int, _Lane | None] = {}
_UNKNOWN = object()


async def _lane(engine: AsyncEngine) -> _Lane | None:
    found = _LANES.get(id(engine), _UNKNOWN)
    if found is not _UNKNOWN:
        return found  # type: ignore[return-value]
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        lane = None  # an in-memory database is one connection's own
    else:
        connection = await connect(database)
        if id(engine) in _LANES:  # opened meanwhile by another update
            connection.stop()
            return _LANES[id(engine)]
        lane = _Lane(connection, engine.dialect)
    weakref.finalize(engine, _forget_lane, id(engine))
    _LANES[id(engine)] = lane
    return lane


def _forget_lane(engine_id: int) -> None:
    lane = _LANES.pop(engine_id, None)
    if lane is not None:
        lane.close()


async def _alone(engine: AsyncEngine, work: Callable[[DirectConnection], Awaitable[T]]) -> T:
    """`work` on a connection for statements each atomic by itself."""
    lane = await _lane(engine)
    if lane is None or lane.taken.locked():
        async with _checked_out(engine) as connection:
            return await work(connection)
    async with lane.taken:
        try:
            return await work(lane.connection)
        finally:
            if lane.driver.in_transaction():  # begun by mistake: it would take in the others'
                await lane.driver.command("ROLLBACK")


async def read(sessions: SessionFactory, work: Callable[[DirectConnection], Awaitable[T]]) -> T:
    """`work`'s reads, each seeing the last commit: on PostgreSQL without BEGIN and COMMIT
    (at READ COMMITTED each statement has its own snapshot anyway), on SQLite without
    BEGIN IMMEDIATE, which would queue a read behind another process's writer."""
    return await _alone(sessions.kw["bind"], work)


async def execute(
    sessions: SessionFactory, query: Query, params: dict[str, Any] | None = None
) -> list[Any]:
    """One statement, atomic by itself: no BEGIN and COMMIT around it (on PostgreSQL two
    round trips fewer). On SQLite a single statement waits for another writer's lock like
    any write (see storage.sqlite_inline); there is no earlier read in it to upgrade."""
    return await _alone(sessions.kw["bind"], lambda connection: connection.all(query, params))


async def write(sessions: SessionFactory, work: Callable[[DirectConnection], Awaitable[T]]) -> T:
    """`work` in one transaction (on SQLite BEGIN IMMEDIATE: writers queue, see storage.db)."""
    engine: AsyncEngine = sessions.kw["bind"]
    async with _checked_out(engine) as connection:
        await connection.command("BEGIN IMMEDIATE" if engine.dialect.name == "sqlite" else "BEGIN")
        try:
            result = await work(connection)
        except BaseException:
            # What failed is raised, not the rollback's own failure: a connection left in
            # its transaction is not given back to the pool (`_checked_out`).
            with contextlib.suppress(exc.DBAPIError):
                await connection.command("ROLLBACK")
            raise
        await connection.command("COMMIT")
        return result
