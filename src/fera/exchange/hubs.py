"""Hubs: the HubClientInfo Receiver (which parties sit behind a hub partner) and hub-aware callers.

OCPI 2.2.1 routes other parties' objects through a hub: a hub partner registers only its own HUB role and
tells its clients who is behind it with ClientInfo pushes. A calling hub acts for those parties, and for the
party its OCPI-from-* headers name (`Caller.owns`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from fera.exchange._checks import check_same
from fera.exchange.context import exchange_of, interface_path
from fera.exchange.hub_alive import StillAlive
from fera.exchange.sync import Puller
from fera.ocpi.auth import Caller, Party
from fera.ocpi.errors import InvalidParameters, NotFound
from fera.ocpi.hubclientinfo import (
    ClientInfo,
    HubClientInfoSenderClient,
    hubclientinfo_receiver_router,
)
from fera.ocpi.versions import InterfaceRole, ModuleID
from fera.partners import Partner
from fera.partners.reach import hub_reach, is_hub
from fera.parts import NodeContext, Parts, Process, Service
from fera.store.protocols import Store

__all__ = [
    "HubClients",
    "hub_aware",
    "hubclientinfo_parts",
    "parties_behind",
]

Resolve = Callable[[str], Awaitable[Caller | None]]


class HubClients:
    """Implements `HubClientInfoReceiver`: only a hub partner (role HUB) pushes ClientInfo, of its own."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, caller: Caller, country_code: str, party_id: str) -> ClientInfo:
        async with self._store.unit_of_work() as uow:
            info = await uow.hub_client_infos.get(caller.partner_id, country_code, party_id)
        if info is None:
            raise NotFound(f"No ClientInfo for {country_code}*{party_id}")
        return info

    async def put(self, caller: Caller, country_code: str, party_id: str, info: ClientInfo) -> bool:
        if not caller.is_hub:
            raise InvalidParameters("Only a hub (a partner with role HUB) sends ClientInfo")
        check_same("country_code", country_code, info.country_code)
        check_same("party_id", party_id, info.party_id)
        return await self.store(caller.partner_id, info)

    async def store(self, partner_id: str, info: ClientInfo) -> bool:
        """Also the entry point of the pull sync (the hub's Sender list, after a registration)."""
        async with self._store.unit_of_work() as uow:
            return await uow.hub_client_infos.put(partner_id, info)


async def parties_behind(store: Store, partners: Sequence[Partner]) -> dict[str, tuple[Party, ...]]:
    """Hub partner id -> the parties behind it that may be sent to (`HubReach.behind`)."""
    direct = [p for partner in partners if not is_hub(partner) for p in partner.parties()]
    reach = await hub_reach(store, partners)
    return {hub.id: reach.behind(hub.id, direct) for hub in partners if is_hub(hub)}


def hub_aware(resolve: Resolve, store: Store, ours: Sequence[Party] = ()) -> Resolve:
    """`resolve` (token hash -> Caller), with a hub caller's parties behind it filled in, and those it may
    never act for: `ours` and every other partner's (they talk to us themselves)."""

    async def resolve_with_hub(token_hash: str) -> Caller | None:
        caller = await resolve(token_hash)
        if caller is None or not caller.is_hub:
            return caller
        async with store.unit_of_work() as uow:
            infos = await uow.hub_client_infos.of_hub(caller.partner_id)
            others = [p for p in await uow.partners.list() if p.id != caller.partner_id]
        foreign = (*ours, *(party for p in others for party in (*p.parties(), *p.agreed)))
        # A hub may tell us that a party we know otherwise is connected to it too; it never acts for it.
        behind = tuple(
            Party(i.country_code, i.party_id, i.role)
            for i in infos
            if not any(f.is_(i.country_code, i.party_id) for f in foreign)
        )
        return replace(caller, behind=behind, foreign=foreign)

    return resolve_with_hub


def hubclientinfo_parts(node: NodeContext) -> Parts:
    """Every role is a hub's client: each hosts the Receiver (mounted once per node)."""
    exchange = exchange_of(node)
    path = interface_path(InterfaceRole.RECEIVER, ModuleID.HUB_CLIENT_INFO)
    clients = HubClients(node.database)
    pages = HubClientInfoSenderClient(node.peer).client_infos
    exchange.add_puller(Puller(ModuleID.HUB_CLIENT_INFO.value, pages, clients.store))
    router = hubclientinfo_receiver_router(node.auth, clients, path)
    alive = StillAlive(node.partners, node.peer, exchange.sync, node.config.hub_still_alive_s)
    return Parts(
        mounts=[exchange.mount(ModuleID.HUB_CLIENT_INFO, InterfaceRole.RECEIVER, path, router)],
        services=[Service(Process.API, alive.start, alive.stop)],
    )
