from alembic import context
from sqlalchemy.engine import Connection

from storage.models import Base

# Migrations run inside the application's own engine (storage.db.migrate), which hands over
# a connection; there is no separate alembic.ini to keep in step with the settings.
connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `payment-bot migrate`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
