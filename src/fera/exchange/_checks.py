"""Receiver-side checks on client-owned object URLs (spec "Client Owned Object Push")."""

from __future__ import annotations

from fera.ocpi.auth import Caller
from fera.ocpi.errors import InvalidParameters, NotFound
from fera.ocpi.types import ci_equal
from fera.store.protocols import UnitOfWork

__all__ = ["check_owner", "check_same", "check_stored_by", "stored_by_another"]


def check_owner(caller: Caller, country_code: str, party_id: str) -> None:
    """URL country/party must be a role of the caller; otherwise hide that the object exists (HTTP 404)."""
    if not caller.owns(country_code, party_id):
        raise NotFound(f"{country_code}*{party_id} is not a party of the caller")


def check_same(field: str, in_url: str, in_body: str | None) -> None:
    """An identifier in the body must equal the URL's (absent is fine in a PATCH)."""
    if in_body is not None and not ci_equal(in_url, in_body):
        raise InvalidParameters(f"{field} {in_body!r} in the body differs from {in_url!r} in the URL")


async def stored_by_another(uow: UnitOfWork, stored_by: str | None, partner_id: str) -> bool:
    """Whether an object the partner pushes belongs to someone else: this node, or another partner we know.

    A partner that was unregistered is forgotten, but not what it sent: the partner that registers for the
    same party later (its ownership of the party already checked) takes those objects over, else the party's
    locations, sessions and tokens could never be pushed again."""
    if stored_by == partner_id:
        return False
    return stored_by is None or await uow.partners.get(stored_by) is not None


def check_stored_by(caller: Caller, partner_id: str | None, what: str) -> None:
    if partner_id != caller.partner_id:
        raise NotFound(f"Unknown {what}")
