"""Partner platforms: the credentials handshake in both directions and the directory of their endpoints."""

from fera.partners.model import Partner, PartnerEndpoint, PartnerRole
from fera.partners.service import Identity, Invitation, PartnerService

__all__ = ["Identity", "Invitation", "Partner", "PartnerEndpoint", "PartnerRole", "PartnerService"]
