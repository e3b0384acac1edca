"""What each dashboard URL answers: pages (HTML strings) and chart/list data (JSON-ready dicts).

None means "no such session/location" (the route answers 404).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import Session
from fera.ocpi.types import Role
from fera.partners import Partner
from fera.store.records import StoredLocation, StoredSession
from fera.web import _pages as pages
from fera.web._charts import request_rows, session_chart
from fera.web._data import DashboardData, Owned
from fera.web._location import location_chart, plan_chart, signals_chart

if TYPE_CHECKING:
    from fera.node import Node

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
    def __init__(self, node: Node, now: Callable[[], datetime]) -> None:
        self.node, self.data, self.now = node, DashboardData(node), now

    @property
    def name(self) -> str:
        return self.node.config.name

    def _page(self, title: str, body: str, here: str = "", charts: bool = False) -> str:
        scsp = self.node.config.has_role(Role.SCSP)
        return pages.page(title, self.name, body, here, charts, scsp)

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
        return self._page("Sessions", pages.sessions_body(await self.data.sessions()), "sessions")

    # -- one session ---------------------------------------------------------------------------------
    async def session_page(self, country_code: str, party_id: str, session_id: str) -> str | None:
        stored = await self.data.session(country_code, party_id, session_id)
        if stored is None:
            return None
        names = await self.data.partner_names()
        held = await self.data.sender_profiles(stored.session.id) if stored.partner_id is None else None
        requests = (
            None
            if stored.partner_id is None
            else await self.data.requests(stored.partner_id, stored.session.id)
        )
        body = pages.session_body(await self._owned(stored), held, requests, names)
        return self._page(f"Session {stored.session.id}", body, "sessions", charts=True)

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
        return request_rows(requests, await self.data.partner_names())

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

    def scsp_page(self) -> str:
        return self._page("Plan and signals", pages.scsp_body(), "scsp", charts=True)

    async def plan(self) -> Json:
        return (await plan_chart(self.data)).to_json()

    async def signals(self) -> Json:
        return (await signals_chart(self.data)).to_json()
