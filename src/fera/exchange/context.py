"""The per-node parts shared by the CPO, eMSP and SCSP roles: store, pusher, receivers, sync, clients.

`exchange_of(node or context)` builds them once per node (the role factories reach the same instances
through it); the node closes them when it stops.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from fastapi import APIRouter

from fera.exchange.locations import LocationsMirror
from fera.exchange.outbox import Outbox
from fera.exchange.outbox_worker import OutboxWorker, outbox_settled
from fera.exchange.pusher import Pusher
from fera.exchange.sessions import SessionsMirror
from fera.exchange.sync import Puller, Sync
from fera.ocpi.auth import Party
from fera.ocpi.locations import LocationsReceiverClient, LocationsSenderClient
from fera.ocpi.peer import PeerTarget
from fera.ocpi.sessions import SessionsReceiverClient, SessionsSenderClient
from fera.ocpi.tokens import TokensReceiverClient, TokensSenderClient
from fera.ocpi.types import Role
from fera.ocpi.versions import InterfaceRole, ModuleID
from fera.partners import Partner
from fera.parts import HasContext, Key, ModuleMount, NodeContext, Parts, Process, Service
from fera.store.protocols import Store

__all__ = ["EXCHANGE", "Exchange", "exchange_of", "interface_path", "outbox_parts"]

T = TypeVar("T")


class Exchange:
    def __init__(self, node: NodeContext, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.context, self.now = node, now
        self.config, self.partners, self.events, self.auth = (
            node.config,
            node.partners,
            node.events,
            node.auth,
        )
        self.store: Store = node.database
        interval = timedelta(seconds=node.config.session_update_interval_s)
        self.pusher = Pusher(hold_s=node.clock.real_seconds(interval))  # the interval is on the node's clock
        self.outbox = Outbox(self.store, node.database.shared, self.pusher, node.peer)
        if self.outbox.shared:
            self.pusher.elsewhere = partial(outbox_settled, self.store, self.outbox.now)
        self.sessions = SessionsMirror(self.store, self.events)
        self.locations = LocationsMirror(self.store, self.events)
        self.sessions_receiver = SessionsReceiverClient(node.peer)
        self.sessions_sender = SessionsSenderClient(node.peer)
        self.locations_receiver = LocationsReceiverClient(node.peer)
        self.locations_sender = LocationsSenderClient(node.peer)
        self.tokens_receiver = TokensReceiverClient(node.peer)
        self.tokens_sender = TokensSenderClient(node.peer)
        self.sync = Sync(node.partners)
        node.partners.registered_listeners.append(self.sync.on_registered)
        self._roles: dict[str, Any] = {}

    def role_service(self, name: str, build: Callable[[Exchange], T]) -> T:
        """One instance per node of a role's services (`fera.cpo.cpo_of`, `fera.emsp.emsp_of`)."""
        if name not in self._roles:
            self._roles[name] = build(self)
        service: T = self._roles[name]
        return service

    def add_puller(self, puller: Puller) -> None:
        if all(p.module != puller.module for p in self.sync.pullers):
            self.sync.pullers.append(puller)

    def receiver_pullers(self) -> None:
        """The Locations and Sessions Receivers (eMSP, SCSP) resynchronise from the owners' Sender lists."""
        self.add_puller(
            Puller(ModuleID.LOCATIONS.value, self.locations_sender.locations, self.locations.store)
        )
        self.add_puller(Puller(ModuleID.SESSIONS.value, self.sessions_sender.sessions, self.sessions.store))

    def target(self, partner: Partner, to: Party, ours: Role) -> PeerTarget:
        base = self.partners.peer_target(partner, from_role=ours)
        return PeerTarget(base.name, base.token, base.base64_token, to, base.from_party)

    def mount(self, module: ModuleID, role: InterfaceRole, path: str, router: APIRouter) -> ModuleMount:
        return ModuleMount(module, role, path, router)

    def outbox_worker(self) -> OutboxWorker:
        return OutboxWorker(
            self.store,
            self.outbox,
            self.pusher,
            self.partners,
            self.context.peer,
            lambda partner, push: self.target(partner, push.to, Role(push.from_role)),
        )

    async def close(self) -> None:
        """The node closes it first when it stops, whichever parts its process runs (a gateway pushes too)."""
        await self.sync.close()
        await self.pusher.close()


EXCHANGE: Key[Exchange] = Key("exchange")


def exchange_of(holder: HasContext) -> Exchange:
    context = holder.context
    # Domain time (simulated in demos).
    return context.shared(EXCHANGE, lambda: Exchange(context, context.clock.now))


def interface_path(role: InterfaceRole, module: ModuleID) -> str:
    """Where this node serves an interface: `/ocpi/2.2.1/sender/sessions`, `/ocpi/2.2.1/receiver/tokens`."""
    return f"/ocpi/2.2.1/{role.value.lower()}/{module.value}"


def outbox_parts(node: NodeContext) -> Parts:
    """On a shared database, a worker delivers the outbox (one process alone pushes from memory)."""
    if not node.database.shared:
        return Parts()
    worker = exchange_of(node).outbox_worker()
    return Parts(services=[Service(Process.WORKER, worker.start, worker.stop)])
