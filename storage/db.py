from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from storage.sqlite_inline import inline_connector

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

SessionFactory = async_sessionmaker[AsyncSession]
# Set on a connection that only reads: SQLite begins no transaction for it (see `reading`).
READ_ONLY = {"payment_bot_read_only": True}
# What a failed database call raises, named for the layers that must not import SQLAlchemy.
DatabaseError = SQLAlchemyError


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, pool_size: int = 10, **kwargs: Any) -> AsyncEngine:
    # A failed statement's text reaches the logs: without its values (names, a user's text).
    kwargs.setdefault("hide_parameters", True)
    if not is_sqlite(url):
        # No overflow: SQLAlchemy closes an overflow connection as soon as it is returned, so
        # under load every such checkout would open a new PostgreSQL connection (a server
        # process each). Updates wait for one of `pool_size` connections instead; one event
        # loop gains nothing from more.
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=0, **kwargs)
        _replace_connections_the_server_closed(engine)
        return engine
    # One connection per process for sessions and transactions: SQLite lets one writer in at a
    # time anyway, and queueing in the pool (not on SQLite's busy timeout) keeps concurrent
    # updates from failing with "database is locked". No code here holds a session while it
    # opens another. Reads and lone statements have a connection of their own (storage.direct).
    engine = create_async_engine(
        url,
        async_creator=inline_connector(make_url(url).database or ":memory:"),
        poolclass=AsyncAdaptedQueuePool,  # a queue even for ":memory:" (StaticPool shares)
        pool_size=1,
        max_overflow=0,
        pool_timeout=60,
        **kwargs,
    )
    _serialise_sqlite_writers(engine)
    return engine


def _replace_connections_the_server_closed(engine: AsyncEngine) -> None:
    """A restarted PostgreSQL closes every connection of the pool; asyncpg notices the closed
    socket by itself, so a pooled connection is checked on checkout without a round trip and
    replaced before any statement runs on it. SQLAlchemy's `pool_pre_ping` would ping instead,
    in three round trips with asyncpg (BEGIN, a query, ROLLBACK), on every checkout."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(_dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        if record.driver_connection.is_closed():
            raise DisconnectionError("PostgreSQL closed this connection")


def _serialise_sqlite_writers(engine: AsyncEngine) -> None:
    """SQLite upgrades a read lock to a write lock by failing at once ("database is locked").

    Beginning every transaction IMMEDIATE makes writers queue on the busy timeout instead,
    which is what a check-then-update (a callback, a claim of an outbox row) needs. A read
    (`READ_ONLY`) begins none: each of its statements reads on its own, taking no write lock.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the adapter's own: no implicit BEGIN

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if not connection.get_execution_options().get("payment_bot_read_only"):
            connection.connection.driver_connection.begin_immediate()


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session in one transaction, for writes and reads alike: the transaction's end gives
    the connection back at once, while SQLAlchemy closes a session in a task of its own, which
    would keep SQLite's only connection from the next update until that task's turn came."""
    async with sessions() as session, session.begin():
        yield session


@asynccontextmanager
async def reading(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session for reads only. On PostgreSQL its statements run without BEGIN and COMMIT,
    two of a read's three round trips: at READ COMMITTED, PostgreSQL's level here, each
    statement sees its own snapshot inside a transaction too, so a read sees the same rows.
    On SQLite they run without BEGIN IMMEDIATE, which would queue a read behind a writer of
    another process; each sees the last commit, as on PostgreSQL."""
    async with transaction(sessions) as session:
        await session.connection(execution_options=_read_only(session.bind.dialect.name))
        yield session


def _read_only(dialect: str) -> dict[str, Any]:
    if dialect == "postgresql":
        return {"isolation_level": "AUTOCOMMIT"}
    return READ_ONLY


MIGRATE_LOCK = 0x7061796D656E74  # "payment": any number no other code of this database uses


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration (run by `payment-bot migrate` and at start)."""

    def upgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Instances starting together take turns: the second finds the schema up to date.
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK}
            )
        await connection.run_sync(upgrade)
