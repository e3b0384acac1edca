"""Partners as the Credentials module carries them: this node's identity, invitations, roles on the wire."""

from __future__ import annotations

from dataclasses import dataclass

from fera.ocpi.auth import Party
from fera.ocpi.credentials import Credentials, CredentialsRole
from fera.ocpi.errors import NoMatchingEndpoints
from fera.ocpi.locations.models import BusinessDetails
from fera.partners.discovery import Discovered
from fera.partners.model import Partner, PartnerRole

__all__ = ["Identity", "Invitation", "apply_credentials", "credentials_url", "domain_role", "wire_role"]


@dataclass(frozen=True)
class Identity:
    """This node as partners see it."""

    versions_url: str
    roles: tuple[PartnerRole, ...]

    def credentials(self, token: str) -> Credentials:
        return Credentials(token=token, url=self.versions_url, roles=[wire_role(r) for r in self.roles])

    def parties(self) -> tuple[Party, ...]:
        return tuple(r.party for r in self.roles)


@dataclass(frozen=True)
class Invitation:
    partner_id: str
    token_a: str
    versions_url: str


def apply_credentials(partner: Partner, credentials: Credentials, found: Discovered) -> None:
    partner.roles = [domain_role(r) for r in credentials.roles]
    partner.endpoints, partner.version = found.endpoints, found.version
    partner.versions_url = credentials.url
    if partner.name.startswith("http") or not partner.name:
        partner.name = credentials.roles[0].business_details.name


def credentials_url(found: Discovered) -> str:
    url = found.url("credentials")
    if url is None:
        raise NoMatchingEndpoints("the partner publishes no credentials endpoint")
    return url


def domain_role(role: CredentialsRole) -> PartnerRole:
    details = role.business_details
    # As registered: their ids go back to them in OCPI-to-* (a CiString is compared, never rewritten).
    return PartnerRole(role.role, role.country_code, role.party_id, details.name, details.website)


def wire_role(role: PartnerRole) -> CredentialsRole:
    details = BusinessDetails(name=role.name, website=role.website)
    return CredentialsRole(
        role=role.role, business_details=details, party_id=role.party_id, country_code=role.country_code
    )
