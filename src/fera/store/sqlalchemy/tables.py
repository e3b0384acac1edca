"""ORM rows. They never leave `fera.store`: repositories map them to domain dataclasses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "ForwardedSessionRow", "LocationRow", "PartnerRow", "SessionRow", "TokenRow", "table_of"]


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[Any]: JSON}


def table_of(model: type[Base]) -> Table:
    """The row class's Table: statements on its columns skip the ORM's compile and result layers."""
    return model.__table__  # type: ignore[return-value]  # declarative classes map one Table


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
    agreed_parties: Mapped[list[Any] | None]
    previous_token_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    previous_token_until: Mapped[datetime | None]
    last_contact_at: Mapped[datetime | None]  # migration 0006_cli: partner health for `fera status`
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_error_at: Mapped[datetime | None]
    last_inbound_at: Mapped[datetime | None]  # migration 0006_operator: when the partner last called us


# -- Locations, Sessions, Tokens (issue 3) ---------------------------------------------------------------
# Key columns are upper-cased (CiString compares case-insensitively); `data` is the object's wire JSON.
# `pk` gives list GETs the stable, oldest-first order the spec asks for.


class LocationRow(Base):
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("country_code", "party_id", "id", name="uq_locations_key"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country_code: Mapped[str] = mapped_column(String(2))
    party_id: Mapped[str] = mapped_column(String(3))
    id: Mapped[str] = mapped_column(String(36))
    partner_id: Mapped[str | None] = mapped_column(String(36), index=True)
    last_updated: Mapped[datetime] = mapped_column(index=True)
    data: Mapped[dict[str, Any]]
    publish: Mapped[bool] = mapped_column(Boolean, default=True, index=True)  # migration 0008_pages


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("country_code", "party_id", "id", name="uq_sessions_key"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country_code: Mapped[str] = mapped_column(String(2))
    party_id: Mapped[str] = mapped_column(String(3))
    id: Mapped[str] = mapped_column(String(36), index=True)
    partner_id: Mapped[str | None] = mapped_column(String(36), index=True)
    location_id: Mapped[str] = mapped_column(String(36))
    token_country_code: Mapped[str] = mapped_column(String(2))
    token_party_id: Mapped[str] = mapped_column(String(3))
    last_updated: Mapped[datetime] = mapped_column(index=True)
    data: Mapped[dict[str, Any]]
    preferences: Mapped[dict[str, Any] | None]


class TokenRow(Base):
    __tablename__ = "tokens"
    __table_args__ = (UniqueConstraint("country_code", "party_id", "uid", "type", name="uq_tokens_key"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country_code: Mapped[str] = mapped_column(String(2))
    party_id: Mapped[str] = mapped_column(String(3))
    uid: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[str | None] = mapped_column(String(36), index=True)
    last_updated: Mapped[datetime] = mapped_column(index=True)
    data: Mapped[dict[str, Any]]


class ForwardedSessionRow(Base):
    """eMSP side: a CPO session forwarded to an SCSP under our own id."""

    __tablename__ = "forwarded_sessions"
    __table_args__ = (
        UniqueConstraint(
            "country_code", "party_id", "session_id", "scsp_partner_id", name="uq_forwarded_sessions_source"
        ),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    cpo_partner_id: Mapped[str] = mapped_column(String(36))
    country_code: Mapped[str] = mapped_column(String(2))
    party_id: Mapped[str] = mapped_column(String(3))
    session_id: Mapped[str] = mapped_column(String(36))
    scsp_partner_id: Mapped[str] = mapped_column(String(36), index=True)
