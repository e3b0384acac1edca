"""Builds the steering planner for a node that steers: an SCSP (every session it receives) or an eMSP that
plans its own customers' sessions it has not delegated (`steer_own_customers`)."""

from __future__ import annotations

from datetime import timedelta

from fera.config import NodeConfig
from fera.ocpi.sessions.models import ChargingPreferences, Session
from fera.ocpi.types import Role
from fera.parts import Key, NodeContext, Parts, Process, Service
from fera.scsp.planning_load import restore
from fera.scsp.planning_loop import Selects, SteeringPlanner
from fera.scsp.planning_routes import preferences_router
from fera.scsp.planning_view import PlannerView
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
    planner = SteeringPlanner(
        profile_sender(node),
        node.events,
        node.signals,
        node.clock,
        selects,
        step=step,
        sites=node.config.sites,
    )
    node.shared(PLANNER, lambda: planner)

    async def start() -> None:
        await restore(planner, node.database, selects)
        await planner.start()

    async def take(partner_id: str, session_id: str, preferences: ChargingPreferences) -> bool:
        """Steer with them now, and keep them with the session for the next start."""
        if not await planner.set_preferences((partner_id, session_id), preferences):
            return False
        known = planner.known[(partner_id, session_id)]
        async with node.database.unit_of_work() as uow:
            await uow.sessions.set_preferences(known.session, preferences)
        return True

    return Parts(
        routers=[preferences_router(node.config.admin_token, take)],
        # Driven by the events of the sessions the API receives: it runs beside the routes.
        services=[Service(Process.API, start, planner.stop)],
        dashboard=Sources(scsp_plan=PlannerView(planner, node.signals), flexibility=planner, planner=planner),
    )
