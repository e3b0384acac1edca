"""HubClientInfo module wire models (OCPI 2.2.1 `mod_hub_client_info.asciidoc`)."""

from __future__ import annotations

from enum import StrEnum

from fera.ocpi.types import CiString2, CiString3, DateTime, OcpiModel, Role

__all__ = ["ClientInfo", "ConnectionStatus"]


class ConnectionStatus(StrEnum):
    CONNECTED = "CONNECTED"
    OFFLINE = "OFFLINE"  # send nothing to it, and don't queue
    PLANNED = "PLANNED"
    SUSPENDED = "SUSPENDED"  # as OFFLINE


class ClientInfo(OcpiModel):
    """A party connected to the hub, as the hub (the data owner) tells its other clients."""

    party_id: CiString3
    country_code: CiString2
    role: Role
    status: ConnectionStatus
    last_updated: DateTime
