import asyncio
import sys

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from core.clock import utcnow
from storage.db import alembic_config, create_engine, migrate
from storage.models import Base


async def test_migrations_build_the_schema_the_models_describe(database_url):
    engine = create_engine(database_url)
    await migrate(engine)
    await migrate(engine)  # a second run (every start) changes nothing

    def differences(connection):
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    async with engine.connect() as connection:
        diff = await connection.run_sync(differences)
    await engine.dispose()
    assert diff == []


async def test_the_outbox_lanes_migration_marks_what_was_already_queued(database_url):
    """A bot upgraded with receipts still queued: they go in the urgent lane, PDFs do not."""
    engine = create_engine(database_url)

    def upgrade(connection, revision: str) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(upgrade, "0002")
        await connection.execute(
            text(
                "INSERT INTO outbox (kind, dedupe_key, chat_id, payload, status, attempts,"
                " available_at, created_at) VALUES"
                " ('receipt', 'receipt:1', 1, '{}', 'pending', 0, :now, :now),"
                " ('receipt_pdf', 'receipt_pdf:1', 1, '{}', 'pending', 0, :now, :now)"
            ),
            {"now": utcnow()},
        )
        await connection.run_sync(upgrade, "head")
        lanes = dict((await connection.execute(text("SELECT kind, urgent FROM outbox"))).all())
    await engine.dispose()
    assert lanes == {"receipt": True, "receipt_pdf": False}


MIGRATE = (
    "import asyncio, sys; from storage.db import create_engine, migrate; "
    "asyncio.run(migrate(create_engine(sys.argv[1])))"
)


async def test_instances_starting_together_migrate_one_after_the_other(database_url):
    """Every instance migrates at start: on PostgreSQL two at once would block each other on
    the same tables. Separate processes, as instances are (alembic's context is global)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("one process owns an embedded database")
    instances = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", MIGRATE, database_url, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(3)
    ]
    async with asyncio.timeout(60):  # without turns they wait for each other for good
        results = [await instance.communicate() for instance in instances]
    assert [instance.returncode for instance in instances] == [0, 0, 0], results
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        heads = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    await engine.dispose()
    assert len(heads) == 1
