"""Under load an instance reuses its database connections rather than opening new ones."""

import asyncio

from sqlalchemy import event, text

from storage.db import create_engine, is_sqlite


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
