"""Alembic environment: FERA runs migrations in-process on the connection it is handed."""

from __future__ import annotations

from alembic import context

from fera.store.sqlalchemy.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
