"""What each dashboard URL answers: pages (HTML strings) and chart/list data (JSON-ready dicts).

None means "no such session/location" (the route answers 404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fera.config import StationConfig
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import Session
from fera.ocpi.types import Role
from fera.ocpp.monitor import StationState
from fera.partners import Partner
from fera.smartcharging.model import ProfileRequest
from fera.store.records import StoredLocation, StoredSession
from fera.web import _pages as pages
from fera.web import _profile_pages as profile_pages
from fera.web import _traffic_pages as traffic_pages
from fera.web._charts import request_rows, session_chart
from fera.web._data import DashboardData, Owned
from fera.web._location import location_chart, plan_chart, signals_chart

if TYPE_CHECKING:
    from fera.web.sources import DashboardNode

__all__ = ["Dashboard"]

Json = dict[str, Any]


def _partner_json(partner: Partner) -> Json:
    """What an operator may see of a partner: never its tokens."""
    return {
        "id": partner.id,
        "name": partner.name,
        "roles": [
            {"role": r.role.value, "country_code": r.country_code, "party_id": r.party_id, "name": r.name}
            for r in partner.roles
        ],
        "registered": partner.registered,
        "endpoints": len(partner.endpoints),
    }


def _session_json(owned: Owned) -> Json:
    s = owned.item
    assert isinstance(s, Session)
    return {
        "country_code": s.country_code,
        "party_id": s.party_id,
        "id": s.id,
        "status": s.status.value,
        "location_id": s.location_id,
        "evse_uid": s.evse_uid,
        "kwh": s.kwh,
        "start_date_time": s.start_date_time.isoformat(),
        "end_date_time": None if s.end_date_time is None else s.end_date_time.isoformat(),
        "last_updated": s.last_updated.isoformat(),
        "from": owned.partner_name,
        "url": pages.href("sessions", s.country_code, s.party_id, s.id),
    }


class Dashboard:
    def __init__(self, node: DashboardNode, now: Callable[[], datetime]) -> None:
        self.node, self.data, self.now = node, DashboardData(node), now

    @property
    def name(self) -> str:
        return self.node.config.name

    def _page(self, title: str, body: str, here: str = "", charts: bool = False) -> str:
        hidden = set[str]()
        if not self.node.config.has_role(Role.SCSP):
            hidden.add("scsp")
        if self.node.dashboard_sources.stations is None:
            hidden.add("stations")
        return pages.page(title, self.name, body, here, charts, frozenset(hidden), self.node.clock.label())

    async def _location_href(self) -> pages.LocationHref:
        """Links to the locations this node has: by the session's party first, else by the location id alone
        (a session relayed by an eMSP names the CPO's location under the eMSP's party); no link otherwise."""
        known = [o.item for o in await self.data.locations()]
        by_key = {(x.country_code.upper(), x.party_id.upper(), x.id.upper()): x for x in known}
        by_id: dict[str, list[Location]] = {}
        for x in known:
            assert isinstance(x, Location)
            by_id.setdefault(x.id.upper(), []).append(x)

        def location_href(s: Session) -> str | None:
            found = by_key.get((s.country_code.upper(), s.party_id.upper(), s.location_id.upper()))
            alone = by_id.get(s.location_id.upper(), [])
            x = found or (alone[0] if len(alone) == 1 else None)
            return None if x is None else pages.href("locations", x.country_code, x.party_id, x.id)

        return location_href

    def _on_domain_clock(self, requests: list[ProfileRequest]) -> list[ProfileRequest]:
        """Requests are timed on the wall clock (OCPI timeouts are real); pages show the domain clock."""
        clock = self.node.clock
        return [replace(r, created_at=clock.of_wall(r.created_at)) for r in requests]

    async def _owned(self, stored: StoredSession | StoredLocation) -> Owned:
        item: Session | Location = stored.session if isinstance(stored, StoredSession) else stored.location
        names = await self.data.partner_names()
        return Owned(item, stored.partner_id, names.get(stored.partner_id or ""))

    # -- overview and lists --------------------------------------------------------------------------
    async def overview(self) -> Json:
        config = self.node.config
        return {
            "node": config.name,
            "roles": [
                {"role": r.role.value, "country_code": r.country_code, "party_id": r.party_id, "name": r.name}
                for r in config.roles
            ],
            "partners": [_partner_json(p) for p in await self.data.partners()],
        }

    async def overview_page(self) -> str:
        partners, locations = await self.data.partners(), await self.data.locations()
        sessions = len(await self.data.sessions())
        body = pages.overview_body(self.node.config, partners, locations, sessions)
        return self._page("Overview", body, "")

    async def sessions(self) -> list[Json]:
        return [_session_json(o) for o in await self.data.sessions()]

    async def sessions_page(self) -> str:
        body = pages.sessions_body(await self.data.sessions(), await self._location_href())
        return self._page("Sessions", body, "sessions")

    # -- one session ---------------------------------------------------------------------------------
    async def session_page(self, country_code: str, party_id: str, session_id: str) -> str | None:
        stored = await self.data.session(country_code, party_id, session_id)
        if stored is None:
            return None
        names = await self.data.partner_names()
        owned, location_href = await self._owned(stored), await self._location_href()
        if stored.partner_id is None:
            receiver = profile_pages.receiver_cards(await self._receiver_side(stored.session.id), names)
            body = pages.session_body(owned, None, names, location_href, receiver)
        else:
            requests = await self.data.requests(stored.partner_id, stored.session.id)
            body = pages.session_body(owned, self._on_domain_clock(requests), names, location_href)
        return self._page(f"Session {stored.session.id}", body, "sessions", charts=True)

    async def _receiver_side(self, session_id: str) -> profile_pages.ReceiverSide:
        return profile_pages.ReceiverSide(
            await self.data.sender_profiles(session_id),
            await self.data.profile_history(session_id),
            await self.data.limiters(session_id),
        )

    async def session_chart(self, country_code: str, party_id: str, session_id: str) -> Json | None:
        stored = await self.data.session(country_code, party_id, session_id)
        if stored is None:
            return None
        return (await session_chart(self.data, stored, self.now())).to_json()

    async def session_requests(self, country_code: str, party_id: str, session_id: str) -> list[Json] | None:
        """Sender side: the profile requests on the session; empty for our own (CPO) sessions."""
        stored = await self.data.session(country_code, party_id, session_id)
        if stored is None:
            return None
        if stored.partner_id is None:
            return []
        requests = await self.data.requests(stored.partner_id, stored.session.id)
        return request_rows(self._on_domain_clock(requests), await self.data.partner_names())

    # -- locations and the SCSP ----------------------------------------------------------------------
    async def location_page(self, country_code: str, party_id: str, location_id: str) -> str | None:
        stored = await self.data.location(country_code, party_id, location_id)
        if stored is None:
            return None
        owned = await self._owned(stored)
        here = [
            Owned(s, stored.partner_id, owned.partner_name) for s in await self.data.location_sessions(stored)
        ]
        body = pages.location_body(owned, here)
        return self._page(f"Location {stored.location.id}", body, "", charts=True)

    async def location_chart(self, country_code: str, party_id: str, location_id: str) -> Json | None:
        stored = await self.data.location(country_code, party_id, location_id)
        if stored is None:
            return None
        return (await location_chart(self.data, stored, self.now())).to_json()

    # -- stations and partners ------------------------------------------------------------------------
    async def _stations(self) -> list[tuple[StationConfig, StationState | None]]:
        """Each configured station as this process's gateway saw it; one another gateway of the node holds
        is online (what that gateway saw of it stays in that process)."""
        source = self.node.dashboard_sources.stations
        if source is None:
            return [(s, None) for s in self.node.config.stations]
        online = set(await source.online())
        rows = []
        for station in self.node.config.stations:
            state = source.monitor.state(station.id)
            if station.id in online and (state is None or not state.online):
                state = replace(state or StationState(station.id), online=True)
            rows.append((station, state))
        return rows

    async def stations_page(self) -> str | None:
        source = self.node.dashboard_sources.stations
        if source is None:
            return None
        body = traffic_pages.stations_body(await self._stations(), source.monitor.refusals())
        return self._page("Stations", body, "stations")

    async def station_page(self, station_id: str) -> str | None:
        source = self.node.dashboard_sources.stations
        found = next(((s, st) for s, st in await self._stations() if s.id == station_id), None)
        if source is None or found is None:
            return None
        station, state = found
        here = source.monitor.state(station.id)
        elsewhere = state is not None and state.online and (here is None or not here.online)
        frames = source.monitor.frames.recent(station.id)
        body = traffic_pages.station_body(station, state, frames, elsewhere=elsewhere)
        return self._page(f"Station {station.id}", body, "stations")

    async def partner_page(self, partner_id: str) -> str | None:
        partner = next((p for p in await self.data.partners() if p.id == partner_id), None)
        if partner is None:
            return None
        traffic = self.node.traffic.recent(partner.id, partner.name)  # by id inbound, by name outbound
        return self._page(f"Partner {partner.name}", traffic_pages.partner_body(partner, traffic), "")

    def scsp_page(self) -> str:
        return self._page("Plan and signals", pages.scsp_body(), "scsp", charts=True)

    async def plan(self) -> Json:
        return (await plan_chart(self.data)).to_json()

    async def signals(self) -> Json:
        return (await signals_chart(self.data)).to_json()
