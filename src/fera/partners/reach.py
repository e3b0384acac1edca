"""What may be sent through a hub: its ClientInfo and whether the hub itself answers.

Spec (mod_hub_client_info, Scenarios): a party behind a hub is sent anything only while its ConnectionStatus
is CONNECTED; OFFLINE and SUSPENDED "cannot be delivered", PLANNED has "never been connected": nothing is
sent to them, nor queued. A hub whose last contact failed (its still-alive check, `fera.exchange.hub_alive`)
is sent nothing until it answers again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from fera.ocpi.auth import Party
from fera.ocpi.hubclientinfo import ClientInfo, ConnectionStatus
from fera.ocpi.types import Role
from fera.partners.model import Partner
from fera.store.protocols import Store

__all__ = ["HubReach", "broadcast_audience", "hub_down", "hub_reach", "is_hub"]


@dataclass(frozen=True)
class HubReach:
    """What may be sent through each hub: who is behind it, in which status; which hubs are down."""

    infos: Mapping[str, tuple[ClientInfo, ...]] = field(default_factory=dict)  # hub id -> its ClientInfo
    offline: frozenset[str] = frozenset()  # hubs whose last contact failed: nothing goes through them

    def behind(self, hub_id: str, direct: Sequence[Party] = ()) -> tuple[Party, ...]:
        """The CONNECTED parties behind the hub, less those reached directly (one copy each)."""
        if hub_id in self.offline:
            return ()
        reachable = [_party(i) for i in self.infos.get(hub_id, ()) if i.status is ConnectionStatus.CONNECTED]
        return tuple(p for p in reachable if not _among(p, direct))

    def broadcasts_to(self, hub_id: str, roles: Collection[Role]) -> bool:
        """Does a broadcast push (OCPI-to: the hub) have anyone to reach? Not through a hub that is down,
        nor when its ClientInfo lists parties of those roles and none of them is CONNECTED; a hub that told
        us nothing yet gets it (the hub knows its parties)."""
        if hub_id in self.offline:
            return False
        receiving = [i for i in self.infos.get(hub_id, ()) if i.role in roles]
        return not receiving or any(i.status is ConnectionStatus.CONNECTED for i in receiving)

    def refusal(self, hub_id: str, party: Party | None) -> str | None:
        """Why a request addressed to `party` through the hub is not sent (None: send it). A party the hub
        hasn't announced is routed all the same: the hub answers for it (4001 if unknown)."""
        if hub_id in self.offline:
            return "the hub does not answer (still-alive check)"
        if party is None:
            return None
        info = next(
            (i for i in self.infos.get(hub_id, ()) if _party(i).is_(party.country_code, party.party_id)), None
        )
        if info is None or info.status is ConnectionStatus.CONNECTED:
            return None
        return f"{_party(info)} is {info.status.value} at the hub (HubClientInfo): nothing is sent to it"


async def hub_reach(store: Store, partners: Sequence[Partner]) -> HubReach:
    """The `HubReach` of the hub partners among `partners`, from the store."""
    hubs = [p for p in partners if is_hub(p)]
    if not hubs:  # nothing to read: no unit of work (every group of meter readings asks)
        return HubReach({}, frozenset())
    async with store.unit_of_work() as uow:
        infos = {hub.id: tuple(await uow.hub_client_infos.of_hub(hub.id)) for hub in hubs}
        # Contact state as stored: `partners` may be those held in memory (`PartnerCache`), which the contact
        # log's writes (last contact, last error) do not refresh.
        fresh = [await uow.partners.get(hub.id) or hub for hub in hubs]
    return HubReach(infos, frozenset(hub.id for hub in fresh if hub_down(hub)))


async def broadcast_audience(
    store: Store, partners: Sequence[Partner], receiving: Collection[Role]
) -> list[Partner]:
    """`partners` less the hubs through which a broadcast to the `receiving` roles reaches nobody."""
    if not any(is_hub(p) for p in partners):
        return list(partners)
    reach = await hub_reach(store, partners)
    return [p for p in partners if not is_hub(p) or reach.broadcasts_to(p.id, receiving)]


def hub_down(partner: Partner) -> bool:
    """Our last call to it failed (no answer, 5xx, refused token) and none has succeeded since."""
    failed, answered = partner.last_error_at, partner.last_contact_at
    return failed is not None and (answered is None or failed >= answered)


def _party(info: ClientInfo) -> Party:
    return Party(info.country_code, info.party_id, info.role)


def _among(party: Party, parties: Sequence[Party]) -> bool:
    return any(p.is_(party.country_code, party.party_id) for p in parties)


def is_hub(partner: Partner) -> bool:
    return any(r.role is Role.HUB for r in partner.roles)
