"""What the planner reacts to, carried to the one process that plans (a node of several processes).

On PostgreSQL the planner runs in one worker at a time (`fera.ownership`). The facts it reacts to happen in
any process: a session or location pushed to an API process, a capacity signal, a result on our
response_url, an ActiveChargingProfile, a driver's preferences. Each process tells the planning one with
`NOTIFY fera_planning` (which object changed, never the object), and the planning process re-reads the
object from the database and hands it to its planner as the event it would have heard in-process. A process
that plans hands its own facts over directly. A new owner listens first and then relearns everything from
the database (`restore`), so a fact announced while no one planned is not lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fera.events import EventBus
from fera.ocpi.chargingprofiles.models import ActiveChargingProfile
from fera.ocpi.sessions.models import Session
from fera.scsp.planning_loop import Selects, SteeringPlanner
from fera.sessions_events import LocationChanged, SessionChanged
from fera.signals.board import SignalsChanged
from fera.smartcharging.events import ActiveProfileReceived, ProfileRequestFinished
from fera.smartcharging.model import RequestKind
from fera.store.protocols import Store

__all__ = ["PLANNING_CHANNEL", "PlanningRelay"]

log = logging.getLogger(__name__)
PLANNING_CHANNEL = "fera_planning"
Restore = Callable[[SteeringPlanner], Awaitable[None]]


class PlanningRelay:
    """Subscribes to a process's events; `bus` is what the planner listens to."""

    def __init__(self, store: Store, events: EventBus, selects: Selects) -> None:
        self.bus = EventBus()
        self._store, self._selects = store, selects
        self._planner: SteeringPlanner | None = None  # set while this process plans
        for event_type in (
            SessionChanged,
            LocationChanged,
            SignalsChanged,
            ProfileRequestFinished,
            ActiveProfileReceived,
        ):
            events.subscribe(event_type, self._pass)

    @property
    def planning_here(self) -> bool:
        return self._planner is not None

    async def _pass(self, event: object) -> None:
        if self._planner is not None:
            await self.bus.publish(event)
        elif (fact := self._fact(event)) is not None:
            await self._store.notify(PLANNING_CHANNEL, json.dumps(fact))

    async def preferences_taken(self, partner_id: str, session: Session) -> None:
        """A driver's preferences, stored with the session by a process that does not plan."""
        fact = {"e": "preferences", "partner": partner_id, **_ids(session)}
        await self._store.notify(PLANNING_CHANNEL, json.dumps(fact))

    def _fact(self, event: object) -> dict[str, Any] | None:
        """Which object changed, or None when the planner would not react to the event."""
        match event:
            case SessionChanged(session=session, source_partner_id=str(partner)):
                if self._selects(partner, session):
                    return {"e": "session", "partner": partner, **_ids(session)}
            case LocationChanged(location=loc, source_partner_id=str(partner)):
                return {"e": "location", "partner": partner, "cc": loc.country_code, "party": loc.party_id,
                        "id": loc.id}  # fmt: skip
            case SignalsChanged(group_id=group):
                return {"e": "signals", "group": group}
            case ProfileRequestFinished(request=request):
                if request.kind is RequestKind.SET and not request.upstream_partner_id:
                    return {"e": "request", "id": request.id}
            case ActiveProfileReceived(partner_id=partner, session_id=session_id):
                return {"e": "active", "partner": partner, "session": session_id}
        return None

    @asynccontextmanager
    async def planning(self, planner: SteeringPlanner, restore: Restore) -> AsyncIterator[None]:
        """This process plans while open: it hears the others' facts and relearns the rest first."""
        facts: asyncio.Queue[str] = asyncio.Queue()
        async with self._store.messages(PLANNING_CHANNEL, facts.put_nowait):
            planner.reset()  # what it knew from an earlier turn may have changed under another owner
            await restore(planner)
            await planner.start()
            self._planner = planner
            delivering = asyncio.get_running_loop().create_task(self._deliver(planner, facts))
            try:
                yield
            finally:
                self._planner = None
                delivering.cancel()
                await asyncio.gather(delivering, return_exceptions=True)
                await planner.stop()

    async def _deliver(self, planner: SteeringPlanner, facts: asyncio.Queue[str]) -> None:
        while True:
            payload = await facts.get()
            try:
                await self._read(planner, json.loads(payload))
            except Exception:  # one unreadable fact must not stop the planning
                log.exception("could not hand %s to the planner", payload)

    async def _read(self, planner: SteeringPlanner, fact: dict[str, str]) -> None:
        """The object the fact names, as it is now in the database, to the planner."""
        event: object | None = None
        async with self._store.unit_of_work() as uow:
            match fact["e"]:
                case "session" | "preferences":
                    stored = await uow.sessions.get(fact["cc"], fact["party"], fact["id"])
                    if stored is None or stored.partner_id != fact["partner"]:
                        return
                    event = SessionChanged(stored.session, fact["partner"])
                    if fact["e"] == "preferences" and stored.preferences is not None:
                        await planner.set_preferences((fact["partner"], fact["id"]), stored.preferences)
                        return
                case "location":
                    located = await uow.locations.get(fact["cc"], fact["party"], fact["id"])
                    if located is not None and located.partner_id == fact["partner"]:
                        event = LocationChanged(located.location, fact["partner"])
                case "signals":
                    event = SignalsChanged(fact["group"])
                case "request":
                    request = await uow.profile_requests.get(fact["id"])
                    event = None if request is None else ProfileRequestFinished(request)
                case "active":
                    raw = await uow.active_profiles.get(fact["partner"], fact["session"])
                    if raw is not None:
                        profile = ActiveChargingProfile.model_validate(raw)
                        event = ActiveProfileReceived(fact["partner"], fact["session"], profile)
        if event is not None:
            await self.bus.publish(event)


def _ids(session: Session) -> dict[str, str]:
    return {"cc": session.country_code, "party": session.party_id, "id": session.id}
