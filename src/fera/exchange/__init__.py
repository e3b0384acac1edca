"""Client-owned objects between partners: pushes after commit, the shared Locations/Sessions Receivers
(eMSP and SCSP), and the pull resynchronisation."""

from fera.exchange.context import EXCHANGE, Exchange, exchange_of, interface_path, outbox_parts
from fera.exchange.locations import LocationsMirror
from fera.exchange.pusher import Push, Pusher
from fera.exchange.sessions import SessionsMirror
from fera.exchange.sync import Puller, Sync, SyncReport

__all__ = [
    "EXCHANGE",
    "Exchange",
    "LocationsMirror",
    "Push",
    "Puller",
    "Pusher",
    "SessionsMirror",
    "Sync",
    "SyncReport",
    "exchange_of",
    "interface_path",
    "outbox_parts",
]
