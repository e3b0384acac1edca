"""The eMSP role: owns Tokens (Sender, pushes), receives CPOs' Locations and Sessions, and forwards its
customers' sessions to its SCSP delegate under ids of its own (Sessions Sender towards that SCSP).

`emsp_of(node)` gives the node's eMSP services: `tokens` (domain API + Tokens Sender) and `forwarding`
(mapping API + Sessions Sender towards the SCSP).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fera.admin.tokens import tokens_admin_router
from fera.emsp.forwarding import EmspForwarding
from fera.emsp.tokens import EmspTokens
from fera.exchange import Exchange, exchange_of, interface_path
from fera.ocpi.locations import locations_receiver_router
from fera.ocpi.sessions import sessions_receiver_router, sessions_sender_router
from fera.ocpi.tokens import tokens_sender_router
from fera.ocpi.types import Role
from fera.ocpi.versions import InterfaceRole, ModuleID

if TYPE_CHECKING:
    from fera.node import ModuleMount, Node

__all__ = ["Emsp", "EmspForwarding", "EmspTokens", "emsp_mounts", "emsp_of", "receiver_mounts"]


class Emsp:
    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.tokens = EmspTokens(exchange)
        self.forwarding = EmspForwarding(exchange)
        exchange.receiver_pullers()
        exchange.sync.announcers.append(self.tokens.announce)


def emsp_of(node: Node) -> Emsp:
    return exchange_of(node).role_service("emsp", Emsp)


def receiver_mounts(node: Node) -> list[ModuleMount]:
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


def emsp_mounts(node: Node) -> list[ModuleMount]:
    emsp = emsp_of(node)
    sender = InterfaceRole.SENDER
    tokens, sessions = interface_path(sender, ModuleID.TOKENS), interface_path(sender, ModuleID.SESSIONS)
    role = next(r for r in node.config.roles if r.role is Role.EMSP)
    node.extra_routers.append(
        tokens_admin_router(node.config.admin_token, emsp.tokens, role.party, role.name, emsp.exchange.now)
    )
    return [
        *receiver_mounts(node),
        emsp.exchange.mount(
            ModuleID.TOKENS, sender, tokens, tokens_sender_router(node.auth, emsp.tokens, tokens)
        ),
        emsp.exchange.mount(
            ModuleID.SESSIONS, sender, sessions, sessions_sender_router(node.auth, emsp.forwarding, sessions)
        ),
    ]
