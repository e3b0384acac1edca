"""ORM rows. They never leave `fera.store`: repositories map them to domain dataclasses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "PartnerRow"]


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[Any]: JSON}


class PartnerRow(Base):
    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    roles: Mapped[list[Any]]
    endpoints: Mapped[list[Any]]
    versions_url: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[str | None] = mapped_column(String(10))
    outbound_token: Mapped[str | None] = mapped_column(String(64))
    inbound_token_hash: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    token_a_hash: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    base64_tokens: Mapped[bool] = mapped_column(Boolean, default=True)
