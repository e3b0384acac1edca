"""A partner platform as FERA knows it: its roles, endpoints and the two tokens between us."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fera.ocpi.auth import Party
from fera.ocpi.types import Role

__all__ = ["Partner", "PartnerEndpoint", "PartnerRole"]


@dataclass(frozen=True)
class PartnerRole:
    role: Role
    country_code: str
    party_id: str
    name: str
    website: str | None = None

    @property
    def party(self) -> Party:
        return Party(self.country_code, self.party_id, self.role)  # as registered; `Party.is_` ignores case


@dataclass(frozen=True)
class PartnerEndpoint:
    module: str
    interface_role: str  # SENDER / RECEIVER
    url: str


@dataclass
class Partner:
    """`inbound_token_hash`: what they send us (hashed); `outbound_token`: what we send them (kept as is)."""

    id: str
    name: str
    created_at: datetime
    roles: list[PartnerRole] = field(default_factory=list)
    endpoints: list[PartnerEndpoint] = field(default_factory=list)
    versions_url: str | None = None
    version: str | None = None
    outbound_token: str | None = None
    inbound_token_hash: str | None = None
    token_a_hash: str | None = None  # an open invitation; dies with the handshake
    base64_tokens: bool = True
    # The parties the operator agreed this partner may act as (the invitation's, `fera partners add-party`),
    # or, when the invitation named none, those of its first registration. Its credentials may claim no other.
    agreed: list[Party] = field(default_factory=list)
    # After a rotation the token it used before keeps working until `previous_token_until` (requests in
    # flight then still succeed).
    previous_token_hash: str | None = None
    previous_token_until: datetime | None = None
    # Health, as our outbound calls found it: last success, last failure (read by `fera status`).
    last_contact_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_inbound_at: datetime | None = None  # when it last called us (an authenticated request)

    @property
    def registered(self) -> bool:
        return self.outbound_token is not None and self.inbound_token_hash is not None

    def endpoint(self, module: str, interface_role: str) -> str | None:
        return next(
            (e.url for e in self.endpoints if e.module == module and e.interface_role == interface_role), None
        )

    def parties(self) -> tuple[Party, ...]:
        return tuple(r.party for r in self.roles)

    def agrees_to(self, party: Party) -> bool:
        return any(a.role is party.role and a.is_(party.country_code, party.party_id) for a in self.agreed)
