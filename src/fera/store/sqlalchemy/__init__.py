"""SQLAlchemy 2 (async) implementations of the store Protocols."""

from fera.store.sqlalchemy.database import Database, SqlUnitOfWork

__all__ = ["Database", "SqlUnitOfWork"]
