"""OCPP timestamps: RFC 3339 in UTC on the wire, aware datetimes inside."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["from_wire", "to_wire"]


def to_wire(t: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS(.ffffff)Z`; a naive datetime is taken as UTC."""
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return t.isoformat().replace("+00:00", "Z")


def from_wire(text: str) -> datetime:
    """Parse an OCPP timestamp; one without offset is UTC (stations that omit it mean UTC)."""
    t = datetime.fromisoformat(text)
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
