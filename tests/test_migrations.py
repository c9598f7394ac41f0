from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.db import create_engine, migrate
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
