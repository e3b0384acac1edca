"""Builds the steering planner for a node that steers: an SCSP (every session it receives) or an eMSP that
plans its own customers' sessions it has not delegated (`steer_own_customers`). Drivers' preferences reach it
through the admin API: the SCSP's `preferences/{partner}/{session}`, or the eMSP's driver route
(`PreferencesStated`, `fera.emsp.preferences`)."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

from fera.admin.preferences import driver_preferences_router
from fera.config import NodeConfig
from fera.exchange import exchange_of
from fera.ocpi.errors import NotFound
from fera.ocpi.sessions.models import ChargingPreferences, ChargingPreferencesResponse, Session
from fera.ocpi.types import Role
from fera.ownership import Owned
from fera.parts import Key, NodeContext, Parts, Process, Service
from fera.scsp.planning_load import restore
from fera.scsp.planning_loop import ONGOING, Selects, SteeringPlanner
from fera.scsp.planning_preferences import to_emsp
from fera.scsp.planning_published import PlanPublisher
from fera.scsp.planning_relay import PlanningRelay
from fera.scsp.planning_routes import preferences_router
from fera.scsp.planning_view import PlannerView
from fera.sessions_events import PreferencesStated
from fera.smartcharging.module import profile_sender
from fera.web.sources import Sources

__all__ = ["PLANNER", "planning_parts"]

PLANNER: Key[SteeringPlanner] = Key("steering planner")


def selector(config: NodeConfig) -> Selects | None:
    if config.has_role(Role.SCSP) and config.plan_sessions:
        return lambda partner_id, session: True
    if not (config.has_role(Role.EMSP) and config.steer_own_customers):
        return None
    ours = [r.party for r in config.roles if r.role is Role.EMSP]

    def own_undelegated(partner_id: str, session: Session) -> bool:
        token = session.cdr_token
        mine = any(p.is_(token.country_code, token.party_id) for p in ours)
        return mine and not any(d.covers(token.uid) for d in config.delegations)

    return own_undelegated


def planning_parts(node: NodeContext) -> Parts:
    """No OCPI interface of its own: the planner steers through the ChargingProfiles Sender."""
    selects = selector(node.config)
    if selects is None:
        return Parts()
    step = timedelta(seconds=node.config.planning_step_s)
    # Several processes (PostgreSQL): one worker plans, and the others' facts reach it through the relay.
    relay = PlanningRelay(node.database, node.events, selects) if node.database.shared else None
    publisher = PlanPublisher(node.database)  # what it plans, shown by every process (`planning_view`)
    planner = SteeringPlanner(
        profile_sender(node),
        node.events if relay is None else relay.bus,
        node.signals,
        node.clock,
        selects,
        step=step,
        sites=node.config.sites,
        published=publisher.publish,
    )
    node.shared(PLANNER, lambda: planner)

    async def start() -> None:
        await publisher.take_back(planner)
        await restore(planner, node.database, selects)
        await planner.start()

    async def take(
        partner_id: str, session_id: str, preferences: ChargingPreferences
    ) -> ChargingPreferencesResponse | None:
        """Steer with them now, keep them with the session for the next start, and send them on to the CPO
        where an eMSP forwarded the session to us (`planning_preferences`): the CPO's answer."""
        if relay is not None and not relay.planning_here:
            session = await _take_elsewhere(node, relay, selects, (partner_id, session_id), preferences)
        else:
            session = await _take_here(node, planner, (partner_id, session_id), preferences)
        if session is None:
            raise NotFound("No ongoing session of that partner is steered here")
        return await to_emsp(exchange_of(node), partner_id, session, preferences)

    async def state(token_uid: str, preferences: ChargingPreferences) -> ChargingPreferencesResponse:
        """A driver's app knows its token: every ongoing copy of its charge takes them; the CPO's answer
        where an eMSP forwarded one (topology B), else ACCEPTED (we steer with them; nobody else is told)."""
        async with node.database.unit_of_work() as uow:
            ongoing = await uow.sessions.ongoing_of_token(token_uid)
        answers: list[ChargingPreferencesResponse | None] = []
        for stored in ongoing:
            with suppress(NotFound):  # a copy not steered here (another eMSP's customer, say)
                partner_id = stored.partner_id or ""  # received sessions all have one
                answers.append(await take(partner_id, stored.session.id, preferences))
        if not answers:
            raise NotFound(f"No ongoing session of token {token_uid} is steered here")
        return next((a for a in answers if a is not None), ChargingPreferencesResponse.ACCEPTED)

    # A node that is the eMSP too has this route already: its drivers state through it, to the CPO.
    drivers = (
        [] if node.config.has_role(Role.EMSP) else [driver_preferences_router(node.config.admin_token, state)]
    )

    async def stated(event: PreferencesStated) -> None:  # an eMSP's driver, through its admin API
        with suppress(NotFound):  # a customer of ours we delegated: its SCSP steers it
            await take(event.partner_id, event.session.id, event.preferences)

    node.events.subscribe(PreferencesStated, stated)
    if relay is None:  # one process: driven by the events of the sessions it receives, beside the routes
        service = Service(Process.API, start, planner.stop)
    else:
        owned = Owned(node.database, "planner", lambda: relay.planning(planner, relearn))
        service = Service(Process.WORKER, owned.start, owned.stop)

    async def relearn(planner: SteeringPlanner) -> None:
        await publisher.take_back(planner)
        await restore(planner, node.database, selects)

    view = PlannerView(node.database, node.signals, step)
    return Parts(
        routers=[preferences_router(node.config.admin_token, take), *drivers],
        services=[service],
        dashboard=Sources(scsp_plan=view, flexibility=view, planner=view),
    )


async def _take_here(
    node: NodeContext, planner: SteeringPlanner, key: tuple[str, str], preferences: ChargingPreferences
) -> Session | None:
    if not await planner.set_preferences(key, preferences):
        return None
    known = planner.known[key]
    async with node.database.unit_of_work() as uow:
        await uow.sessions.set_preferences(known.session, preferences)
    return known.session


async def _take_elsewhere(
    node: NodeContext,
    relay: PlanningRelay,
    selects: Selects,
    key: tuple[str, str],
    preferences: ChargingPreferences,
) -> Session | None:
    """Another process plans: keep them with the session and tell it (it reads them from the database)."""
    async with node.database.unit_of_work() as uow:
        session = await uow.sessions.received(*key)
        if session is None or session.status not in ONGOING or not selects(key[0], session):
            return None
        await uow.sessions.set_preferences(session, preferences)
    await relay.preferences_taken(key[0], session)
    return session
