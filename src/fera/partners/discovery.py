"""Find a peer's 2.2.1 endpoints from its versions URL, translating failures into the spec's 300x codes."""

from __future__ import annotations

from dataclasses import dataclass

from fera.ocpi.errors import NoMatchingEndpoints, PeerError, UnableToUseClientApi, UnsupportedVersion
from fera.ocpi.peer import PeerTarget
from fera.ocpi.versions import ModuleID, VersionDetails, VersionNumber, VersionsClient
from fera.partners.model import PartnerEndpoint

__all__ = ["Discovered", "discover"]


@dataclass(frozen=True)
class Discovered:
    version: str
    details_url: str
    endpoints: list[PartnerEndpoint]

    def url(self, module: str) -> str | None:
        return next((e.url for e in self.endpoints if e.module == module), None)


async def discover(client: VersionsClient, target: PeerTarget, versions_url: str) -> Discovered:
    """Versions, then details: 3001 if the peer is unusable, 3002 without 2.2.1, 3003 without credentials."""
    try:
        versions = await client.versions(target, versions_url)
        match = next((v for v in versions if v.version == VersionNumber.V2_2_1.value), None)
        if match is None:
            offered = ", ".join(v.version for v in versions) or "none"
            raise UnsupportedVersion(f"{target.name} offers no OCPI 2.2.1 (offers: {offered})")
        details = await client.details(target, match.url)
    except PeerError as exc:
        raise UnableToUseClientApi(f"Unable to use the client's API: {exc}") from exc
    return _endpoints(target, match.url, details)


def _endpoints(target: PeerTarget, details_url: str, details: VersionDetails) -> Discovered:
    endpoints = [PartnerEndpoint(e.identifier, e.role.value, e.url) for e in details.endpoints]
    if not any(e.module == ModuleID.CREDENTIALS.value for e in endpoints):
        raise NoMatchingEndpoints(f"{target.name} publishes no credentials endpoint")
    return Discovered(details.version, details_url, endpoints)
