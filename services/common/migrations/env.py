"""One Alembic environment for every service database: `services.common.schema_upgrades.upgrade` passes the
connection."""

from alembic import context

context.configure(connection=context.config.attributes["connection"], render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
