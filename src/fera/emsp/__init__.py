"""The eMSP role: owns Tokens (Sender, pushes), receives CPOs' Locations and Sessions, and forwards its
customers' sessions to its SCSP delegate under ids of its own (Sessions Sender towards that SCSP).

`emsp_of(node)` (a node or its context) gives the node's eMSP services: `tokens` (domain API + Tokens
Sender), `forwarding` (mapping API + Sessions Sender towards the SCSP) and `preferences` (a driver's stated
departure and energy need, sent to the CPO of their ongoing session).
"""

from __future__ import annotations

from fera.admin.preferences import driver_preferences_router
from fera.admin.tokens import tokens_admin_router
from fera.emsp.forwarding import EmspForwarding
from fera.emsp.preferences import EmspPreferences
from fera.emsp.tokens import EmspTokens
from fera.exchange import Exchange, exchange_of, interface_path
from fera.ocpi.locations import locations_receiver_router
from fera.ocpi.sessions import sessions_receiver_router, sessions_sender_router
from fera.ocpi.tokens import tokens_sender_router
from fera.ocpi.types import Role
from fera.ocpi.versions import InterfaceRole, ModuleID
from fera.parts import HasContext, ModuleMount, NodeContext, Parts

__all__ = [
    "Emsp",
    "EmspForwarding",
    "EmspPreferences",
    "EmspTokens",
    "emsp_of",
    "emsp_parts",
    "receiver_mounts",
]


class Emsp:
    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.tokens = EmspTokens(exchange)
        self.forwarding = EmspForwarding(exchange)
        self.preferences = EmspPreferences(exchange)
        exchange.receiver_pullers()
        exchange.sync.announcers.append(self.tokens.announce)


def emsp_of(holder: HasContext) -> Emsp:
    return exchange_of(holder).role_service("emsp", Emsp)


def receiver_mounts(node: NodeContext) -> list[ModuleMount]:
    """Locations and Sessions Receivers: written once, hosted by the eMSP and the SCSP roles."""
    exchange = exchange_of(node)
    exchange.receiver_pullers()
    receiver = InterfaceRole.RECEIVER
    locations, sessions = (
        interface_path(receiver, ModuleID.LOCATIONS),
        interface_path(receiver, ModuleID.SESSIONS),
    )
    return [
        exchange.mount(
            ModuleID.LOCATIONS,
            receiver,
            locations,
            locations_receiver_router(node.auth, exchange.locations, locations),
        ),
        exchange.mount(
            ModuleID.SESSIONS,
            receiver,
            sessions,
            sessions_receiver_router(node.auth, exchange.sessions, sessions),
        ),
    ]


def emsp_parts(node: NodeContext) -> Parts:
    emsp = emsp_of(node)
    sender = InterfaceRole.SENDER
    tokens, sessions = interface_path(sender, ModuleID.TOKENS), interface_path(sender, ModuleID.SESSIONS)
    role = next(r for r in node.config.roles if r.role is Role.EMSP)
    admin = tokens_admin_router(
        node.config.admin_token, emsp.tokens, role.party, role.name, emsp.exchange.now
    )
    mounts = [
        *receiver_mounts(node),
        emsp.exchange.mount(
            ModuleID.TOKENS, sender, tokens, tokens_sender_router(node.auth, emsp.tokens, tokens)
        ),
        emsp.exchange.mount(
            ModuleID.SESSIONS, sender, sessions, sessions_sender_router(node.auth, emsp.forwarding, sessions)
        ),
    ]
    drivers = driver_preferences_router(node.config.admin_token, emsp.preferences.state)
    return Parts(mounts=mounts, routers=[admin, drivers])
