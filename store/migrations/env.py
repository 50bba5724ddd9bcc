"""Alembic environment: the engine is handed in by store.db (no alembic.ini, no URL in files)."""

from alembic import context

from regwatch.store.models import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
