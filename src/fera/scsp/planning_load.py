"""At start-up the planner relearns what it steers from the store: nothing lives only in memory."""

from __future__ import annotations

from fera.ocpi.sessions.models import SessionStatus
from fera.scsp.planning_inputs import Known, token_of
from fera.scsp.planning_loop import Selects, SteeringPlanner
from fera.store.protocols import Store
from fera.store.records import Visibility, Window

__all__ = ["restore"]

PAGE = 200


async def restore(planner: SteeringPlanner, store: Store, selects: Selects) -> None:
    async with store.unit_of_work() as uow:
        partners = await uow.partners.list()
    for partner in partners:
        offset = 0
        while True:
            async with store.unit_of_work() as uow:
                page = await uow.sessions.page(
                    partner.id, Visibility(all_locations=True), Window(offset, PAGE)
                )
                for session in page.items:
                    if not selects(partner.id, session):
                        continue
                    if session.status not in (SessionStatus.ACTIVE, SessionStatus.PENDING):
                        if session.end_date_time is not None:
                            planner.stats.add(
                                session.location_id,
                                session.start_date_time,
                                session.end_date_time,
                                session.kwh,
                                token=token_of(session),
                            )
                        continue
                    stored = await uow.sessions.get(session.country_code, session.party_id, session.id)
                    located = await uow.locations.get(
                        session.country_code, session.party_id, session.location_id
                    )
                    location = located.location if located else None
                    key = (partner.id, session.id)
                    planner.known[key] = Known(key, session, location, stored.preferences if stored else None)
            offset += PAGE
            if offset >= page.total:
                break
