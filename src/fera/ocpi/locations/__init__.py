"""OCPI 2.2.1 locations module: wire models, the Sender/Receiver Protocols, routes and clients."""

from fera.ocpi.locations.client import LocationsReceiverClient, LocationsSenderClient
from fera.ocpi.locations.routes import locations_receiver_router, locations_sender_router
from fera.ocpi.locations.service import LocationRef, LocationsReceiver, LocationsSender

__all__ = [
    "LocationRef",
    "LocationsReceiver",
    "LocationsReceiverClient",
    "LocationsSender",
    "LocationsSenderClient",
    "locations_receiver_router",
    "locations_sender_router",
]
