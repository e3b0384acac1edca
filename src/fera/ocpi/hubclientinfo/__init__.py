"""OCPI 2.2.1 hubclientinfo module: which parties sit behind a hub (the Receiver every client hosts, and a
client for the hub's Sender list)."""

from fera.ocpi.hubclientinfo.client import HubClientInfoSenderClient
from fera.ocpi.hubclientinfo.models import ClientInfo, ConnectionStatus
from fera.ocpi.hubclientinfo.routes import hubclientinfo_receiver_router
from fera.ocpi.hubclientinfo.service import HubClientInfoReceiver

__all__ = [
    "ClientInfo",
    "ConnectionStatus",
    "HubClientInfoReceiver",
    "HubClientInfoSenderClient",
    "hubclientinfo_receiver_router",
]
