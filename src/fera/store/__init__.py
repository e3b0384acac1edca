"""Persistence behind Protocols; `Database` is the SQLAlchemy implementation."""

from fera.store.protocols import PartnerStore, Store, UnitOfWork
from fera.store.sqlalchemy.database import Database

__all__ = ["Database", "PartnerStore", "Store", "UnitOfWork"]
