"""ORM rows of the ChargingProfiles module: Sender requests, received and pushed active profiles, CPO jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fera.store.sqlalchemy.tables import Base

__all__ = [
    "ProfileJobRow",
    "ProfileRequestRow",
    "PushedActiveProfileRow",
    "ReceivedActiveProfileRow",
    "SenderProfileChangeRow",
    "SenderProfileRow",
]


class ProfileRequestRow(Base):
    __tablename__ = "profile_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    partner_id: Mapped[str] = mapped_column(String(36), index=True)
    session_id: Mapped[str] = mapped_column(String(36), index=True)
    state: Mapped[str] = mapped_column(String(12), index=True)
    created_at: Mapped[datetime]
    payload: Mapped[dict[str, Any] | None]
    response: Mapped[str | None] = mapped_column(String(20))
    timeout_s: Mapped[int | None]
    responded_at: Mapped[datetime | None]
    deadline: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]
    result_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(String(255))
    upstream_partner_id: Mapped[str | None] = mapped_column(String(36))
    upstream_response_url: Mapped[str | None] = mapped_column(String(255))


class ReceivedActiveProfileRow(Base):
    __tablename__ = "received_active_profiles"

    partner_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    profile: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]


class SenderProfileRow(Base):
    __tablename__ = "sender_profiles"

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    profile: Mapped[dict[str, Any] | None]
    set_at: Mapped[datetime | None]
    last_request_at: Mapped[datetime]


class SenderProfileChangeRow(Base):
    """CPO side: every profile a Sender set (or cleared, profile None) on a session, as it took effect."""

    __tablename__ = "sender_profile_changes"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(36), index=True)
    partner_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime]
    profile: Mapped[dict[str, Any] | None]


class ProfileJobRow(Base):
    __tablename__ = "profile_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    session_id: Mapped[str] = mapped_column(String(36), index=True)
    partner_id: Mapped[str] = mapped_column(String(36))
    response_url: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    deadline: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(8), index=True)
    payload: Mapped[dict[str, Any] | None]
    result: Mapped[dict[str, Any] | None]  # the result owed to the Sender (claimed jobs: committed first)
    result_delivery: Mapped[str | None] = mapped_column(String(8), index=True)  # ResultDelivery
    result_due_at: Mapped[datetime | None]  # PENDING: when any worker may post it (its own worker: at once)


class PushedActiveProfileRow(Base):
    """CPO side: the last ActiveChargingProfile pushed for a session, so only real changes are pushed."""

    __tablename__ = "pushed_active_profiles"

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    profile: Mapped[dict[str, Any]]
    pushed_at: Mapped[datetime]
