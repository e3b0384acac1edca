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
        return Party(self.country_code.upper(), self.party_id.upper(), self.role)


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

    @property
    def registered(self) -> bool:
        return self.outbound_token is not None and self.inbound_token_hash is not None

    def endpoint(self, module: str, interface_role: str) -> str | None:
        return next(
            (e.url for e in self.endpoints if e.module == module and e.interface_role == interface_role), None
        )

    def parties(self) -> tuple[Party, ...]:
        return tuple(r.party for r in self.roles)
