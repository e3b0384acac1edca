"""The CPO role: owns Locations and Sessions (Senders, pushes, domain API) and receives eMSPs' Tokens.

`cpo_of(node)` (a node or its context) gives the node's CPO services: `sessions` (domain API + Sessions
Sender), `locations` (domain API + Locations Sender), `tokens` (Tokens Receiver), `query` (for
ChargingProfiles), `stations` (the OCPP gateway side, or None).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fera.admin.locations import locations_admin_router
from fera.cpo.locations import CpoLocations
from fera.cpo.preferences import PreferencesNotSupported, evaluate, offered_profile_types
from fera.cpo.query import CpoSessionQuery, SessionContext
from fera.cpo.sessions import CpoSessions
from fera.cpo.tokens import CpoTokens
from fera.exchange import Exchange, Puller, exchange_of, interface_path
from fera.ocpi.locations import locations_sender_router
from fera.ocpi.sessions import sessions_sender_router
from fera.ocpi.tokens import tokens_receiver_router
from fera.ocpi.types import Role
from fera.ocpi.versions import InterfaceRole, ModuleID
from fera.parts import HasContext, NodeContext, Parts

if TYPE_CHECKING:
    from fera.cpo.stations import CpoStations

__all__ = [
    "Cpo",
    "CpoLocations",
    "CpoSessionQuery",
    "CpoSessions",
    "CpoTokens",
    "PreferencesNotSupported",
    "SessionContext",
    "cpo_parts",
    "cpo_of",
    "evaluate",
    "offered_profile_types",
]


class Cpo:
    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.sessions = CpoSessions(exchange)
        self.locations = CpoLocations(exchange)
        self.tokens = CpoTokens(exchange)
        self.query = CpoSessionQuery(exchange)
        self.stations: CpoStations | None = None  # the OCPP gateway side, when `ocpp_listen` is configured
        exchange.add_puller(Puller(ModuleID.TOKENS.value, exchange.tokens_sender.tokens, self.tokens.store))
        exchange.sync.announcers += [self.locations.announce, self.sessions.announce]


def cpo_of(holder: HasContext) -> Cpo:
    return exchange_of(holder).role_service("cpo", Cpo)


def cpo_parts(node: NodeContext) -> Parts:
    cpo = cpo_of(node)
    mount, auth = cpo.exchange.mount, node.auth
    sender, receiver = InterfaceRole.SENDER, InterfaceRole.RECEIVER
    locations, sessions = (
        interface_path(sender, ModuleID.LOCATIONS),
        interface_path(sender, ModuleID.SESSIONS),
    )
    tokens = interface_path(receiver, ModuleID.TOKENS)
    party = node.config.party(Role.CPO)
    assert party is not None, "the CPO role is hosted"
    mounts = [
        mount(ModuleID.LOCATIONS, sender, locations, locations_sender_router(auth, cpo.locations, locations)),
        mount(ModuleID.SESSIONS, sender, sessions, sessions_sender_router(auth, cpo.sessions, sessions)),
        mount(ModuleID.TOKENS, receiver, tokens, tokens_receiver_router(auth, cpo.tokens, tokens)),
    ]
    admin = locations_admin_router(node.config.admin_token, cpo.locations, party, cpo.exchange.now)
    return Parts(mounts=mounts, routers=[admin])
