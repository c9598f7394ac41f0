"""How an instance uses its database connections: kept under load, replaced when PostgreSQL
closed them, and no transaction around a read."""

import asyncio

import asyncpg
from sqlalchemy import event, text

from storage.db import create_engine, create_session_factory, is_sqlite, reading, transaction
from tests.conftest import fresh_postgres


async def test_connections_are_kept_under_load(database_url):
    engine = create_engine(database_url, pool_size=3)
    opened = 0

    @event.listens_for(engine.sync_engine, "connect")
    def count(*_: object) -> None:
        nonlocal opened
        opened += 1

    async def update_of_a_user() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT 1"))
            await asyncio.sleep(0.01)  # the other updates' turn, as in a busy event loop

    for _ in range(3):
        await asyncio.gather(*(update_of_a_user() for _ in range(30)))
    await engine.dispose()
    assert opened == (1 if is_sqlite(database_url) else 3)


async def test_connections_a_restarted_postgresql_closed_are_replaced_before_use():
    """PostgreSQL restarted: every pooled connection is dead, yet the next updates' statements
    run, each on a new connection, and no user sees an error for it."""
    database_url = await fresh_postgres()
    engine = create_engine(database_url, pool_size=3)

    async def backend_of_an_update() -> int:
        async with engine.begin() as connection:
            pid = await connection.scalar(text("SELECT pg_backend_pid()"))
            await asyncio.sleep(0.01)  # the pool's three connections all in use at once
            return pid

    before = set(await asyncio.gather(*(backend_of_an_update() for _ in range(3))))
    admin = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:  # what a restart does to the pool: the server ends each connection
        await admin.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid", before)
    finally:
        await admin.close()
    await asyncio.sleep(0.2)  # the event loop reads the closed sockets
    after = set(await asyncio.gather(*(backend_of_an_update() for _ in range(3))))
    await engine.dispose()
    assert len(before) == 3 and not before & after


async def test_reads_on_postgresql_run_without_begin_and_commit():
    """now() is the start of the current transaction: inside one it stands still, while each
    statement of a read is a transaction of its own (two round trips fewer)."""
    engine = create_engine(await fresh_postgres())
    sessions = create_session_factory(engine)

    async def two_clock_readings(scope) -> tuple[object, object]:
        async with scope(sessions) as session:
            first = await session.scalar(text("SELECT now()"))
            await asyncio.sleep(0.01)
            return first, await session.scalar(text("SELECT now()"))

    read_first, read_second = await two_clock_readings(reading)
    written_first, written_second = await two_clock_readings(transaction)
    await engine.dispose()
    assert read_first < read_second
    assert written_first == written_second
