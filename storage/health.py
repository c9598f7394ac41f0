"""Whether the database answers: the readiness probe's one query."""

from sqlalchemy import text

from storage.db import SessionFactory, reading


async def probe_database(sessions: SessionFactory) -> None:
    """Run a trivial query; whatever keeps the database from answering is raised."""
    async with reading(sessions) as session:
        await session.execute(text("SELECT 1"))
