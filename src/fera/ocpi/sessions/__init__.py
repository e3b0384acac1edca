"""OCPI 2.2.1 sessions module: wire models, the Sender/Receiver Protocols, routes and clients."""

from fera.ocpi.sessions.client import SessionsReceiverClient, SessionsSenderClient
from fera.ocpi.sessions.routes import sessions_receiver_router, sessions_sender_router
from fera.ocpi.sessions.service import SessionsReceiver, SessionsSender

__all__ = [
    "SessionsReceiver",
    "SessionsReceiverClient",
    "SessionsSender",
    "SessionsSenderClient",
    "sessions_receiver_router",
    "sessions_sender_router",
]
