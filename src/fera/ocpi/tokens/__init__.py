"""OCPI 2.2.1 tokens module: wire models, the Sender/Receiver Protocols, routes and clients."""

from fera.ocpi.tokens.client import TokensReceiverClient, TokensSenderClient, parse_items
from fera.ocpi.tokens.routes import tokens_receiver_router, tokens_sender_router
from fera.ocpi.tokens.service import TokenKey, TokensReceiver, TokensSender

__all__ = [
    "TokenKey",
    "TokensReceiver",
    "TokensReceiverClient",
    "TokensSender",
    "TokensSenderClient",
    "parse_items",
    "tokens_receiver_router",
    "tokens_sender_router",
]
