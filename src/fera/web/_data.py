"""What the dashboard reads from a node: partners, sessions, locations, profile state. Read-only.

Objects this node owns have no partner; received ones are read per partner that sent them (the store keys
them that way). Lists show the latest `LIMIT` objects of each owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from fera.charging import Electrical
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import Session
from fera.ocpi.types import ci_equal
from fera.partners import Partner
from fera.smartcharging.model import ProfileRequest, SenderProfile, SenderProfileChange
from fera.store.protocols import UnitOfWork
from fera.store.records import StoredLocation, StoredSession, Visibility, Window

if TYPE_CHECKING:
    from fera.web.sources import DashboardNode

__all__ = ["LIMIT", "DashboardData", "Owned", "electrical_of"]

LIMIT = 100
_EVERYTHING = Visibility(all_locations=True)


@dataclass(frozen=True)
class Owned:
    """A session or location with who it came from (None: this node owns it)."""

    item: Session | Location
    partner_id: str | None
    partner_name: str | None


def electrical_of(session: Session, location: Location | None) -> Electrical | None:
    """The session connector's ratings, when the location (and that connector) are known."""
    evses = [] if location is None else location.evses or []
    evse = next((e for e in evses if ci_equal(e.uid, session.evse_uid)), None)
    connectors = [] if evse is None else evse.connectors
    c = next((c for c in connectors if ci_equal(c.id, session.connector_id)), None)
    return (
        None
        if c is None
        else Electrical(c.power_type.value, c.max_voltage, c.max_amperage, c.max_electric_power)
    )


class DashboardData:
    def __init__(self, node: DashboardNode) -> None:
        self.node = node

    async def partners(self) -> list[Partner]:
        return await self.node.partners.list()

    async def sessions(self) -> list[Owned]:
        """Own sessions and those received from each partner, most recently updated first."""
        names = {p.id: p.name for p in await self.partners()}
        out: list[Owned] = []
        async with self.node.database.unit_of_work() as uow:
            for owner in [None, *names]:
                items = await _latest(uow, "sessions", owner)
                out += [Owned(s, owner, names.get(owner or "")) for s in items]
        return sorted(out, key=lambda o: o.item.last_updated, reverse=True)

    async def locations(self) -> list[Owned]:
        names = {p.id: p.name for p in await self.partners()}
        out: list[Owned] = []
        async with self.node.database.unit_of_work() as uow:
            for owner in [None, *names]:
                items = await _latest(uow, "locations", owner)
                out += [Owned(loc, owner, names.get(owner or "")) for loc in items]
        return sorted(out, key=lambda o: o.item.id)

    async def session(self, country_code: str, party_id: str, session_id: str) -> StoredSession | None:
        async with self.node.database.unit_of_work() as uow:
            return await uow.sessions.get(country_code, party_id, session_id)

    async def location(self, country_code: str, party_id: str, location_id: str) -> StoredLocation | None:
        async with self.node.database.unit_of_work() as uow:
            return await uow.locations.get(country_code, party_id, location_id)

    async def location_sessions(self, stored: StoredLocation) -> list[Session]:
        """Sessions at the location, from the same owner as the location."""
        visibility = Visibility(location_ids=frozenset({stored.location.id.upper()}))
        async with self.node.database.unit_of_work() as uow:
            page = await uow.sessions.page(stored.partner_id, visibility, Window(0, LIMIT))
        return [s for s in page.items if isinstance(s, Session)]

    async def electrical(self, session: Session) -> Electrical | None:
        async with self.node.database.unit_of_work() as uow:
            stored = await uow.locations.get(session.country_code, session.party_id, session.location_id)
        return electrical_of(session, None if stored is None else stored.location)

    async def sender_profiles(self, session_id: str) -> list[SenderProfile]:
        """CPO side: each Sender's profile on one of our sessions."""
        async with self.node.database.unit_of_work() as uow:
            rows = await uow.sender_profiles.for_session(session_id)
        return sorted(rows, key=lambda p: p.partner_id)

    async def profile_history(self, session_id: str) -> list[SenderProfileChange]:
        """CPO side: every profile each Sender set or cleared on one of our sessions, oldest first."""
        async with self.node.database.unit_of_work() as uow:
            return await uow.sender_profiles.changes(session_id)

    async def limiters(self, session_id: str) -> list[tuple[datetime, str]]:
        """CPO side: who limited the session and from when (recorded), then who limits it from now on."""
        module = self.node.dashboard_sources.cpo_profiles
        if module is None:
            return []
        history = await module.active.limited_by(session_id)
        steerable = await module.sessions.find(session_id)
        if steerable is None or not steerable.ongoing:
            return history
        ahead = await module.active.limiters(steerable)
        start = ahead[0][0] if ahead else None
        out = [x for x in history if start is None or x[0] < start]
        for t, who in ahead:
            if not out or out[-1][1] != who:
                out.append((t, who))
        return out

    async def requests(self, partner_id: str, session_id: str) -> list[ProfileRequest]:
        """Sender side: the profile requests this node made on a partner's session, oldest first."""
        async with self.node.database.unit_of_work() as uow:
            rows = await uow.profile_requests.for_session(partner_id, session_id)
        return sorted(rows, key=lambda r: r.created_at)

    async def partner_names(self) -> dict[str, str]:
        return {p.id: p.name for p in await self.partners()}


async def _latest(uow: UnitOfWork, kind: str, owner: str | None) -> list[Session | Location]:
    """The last LIMIT objects of one owner (the store pages in insertion order)."""
    store = uow.sessions if kind == "sessions" else uow.locations
    total = (await store.page(owner, _EVERYTHING, Window(0, 1))).total
    page = await store.page(owner, _EVERYTHING, Window(max(0, total - LIMIT), LIMIT))
    return [item for item in page.items if isinstance(item, Session | Location)]
