"""An SCSP planning a contracted site on an unbalanced network (`[[sites]]`' `network`), over real HTTP: the
profiles the CPO's stations apply keep every line current of the transformer within its limit."""

from __future__ import annotations

import cmath
import math

import pytest

from fera.config import ContractConfig, LineConnection, NetworkConfig, SiteConfig
from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import CdrToken
from fera.scsp.planning_loop import SteeringPlanner
from fera.sessions_events import LocationChanged, SessionChanged
from fera.store.records import Visibility, Window
from tests.integration.chargingprofiles.setup import location
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(120)
LINE_AMPS = 40.0
# 3 x 230 V between lines (an IT network): each single-phase EVSE across a line pair, E1 and E4 on A-B.
WIRING: dict[str, LineConnection] = {"LOC1-E1": "AB", "LOC1-E2": "BC", "LOC1-E3": "CA", "LOC1-E4": "AB"}
ANGLE = {"AB": 30.0, "BC": -90.0, "CA": 150.0}
NETWORK = NetworkConfig(line_amps=LINE_AMPS, voltage=230, evses=WIRING)


def single_phase_location() -> Location:
    """Four single-phase 230 V 32 A EVSEs (7.36 kW each)."""
    doc = location(evses=4).model_dump(mode="json", exclude_none=True)
    for evse in doc["evses"]:
        evse["connectors"][0]["power_type"] = "AC_1_PHASE"
    return Location.model_validate(doc)


async def setup(node_factory: NodeFactory, *, plan_sessions: bool = True) -> tuple[RunningNode, RunningNode]:
    cpo = await node_factory(
        role("CPO", party="CPO"), name="cpo", contracts=[ContractConfig(scsp="NL*SCS", locations=["LOC1"])]
    )
    scsp = await node_factory(
        role("SCSP", party="SCS"),
        name="scsp",
        sites=[SiteConfig(location="LOC1", capacity_kw=100, network=NETWORK)],
        plan_sessions=plan_sessions,
    )
    await connect(scsp, cpo)
    await cpo_of(cpo.node).locations.put_location(single_phase_location())
    for i, evse in enumerate(WIRING, start=1):
        token = CdrToken(
            country_code="NL", party_id="MSP", uid=f"T{i}", type="RFID", contract_id=f"NL-MSP-{i}"
        )
        await cpo_of(cpo.node).sessions.start_session(
            token=token, location_id="LOC1", evse_uid=evse, connector_id="1", session_id=f"S{i}"
        )
    await exchange_of(cpo.node).pusher.drain()
    return cpo, scsp


def line_amps(amps_per_evse: dict[str, float]) -> dict[str, float]:
    """The transformer's line currents from each EVSE's branch current (in phase with its voltage)."""
    branch = {b: 0j for b in ANGLE}
    for evse, amps in amps_per_evse.items():
        branch[WIRING[evse]] += amps * cmath.exp(1j * math.radians(ANGLE[WIRING[evse]]))
    return {
        "A": abs(branch["AB"] - branch["CA"]),
        "B": abs(branch["BC"] - branch["AB"]),
        "C": abs(branch["CA"] - branch["BC"]),
    }


async def applied_amps(cpo: RunningNode) -> dict[str, float]:
    """The limit (A) each station applies now, from the profiles the SCSP sent through the CPO."""
    module = cpo.node.cpo_profiles
    assert module is not None
    await module.applier.drain()
    out = {}
    for evse in WIRING:
        (tx,) = list(module.stations.in_process.stack(evse))
        assert tx.unit == "A"
        out[evse] = tx.periods[0].limit
    return out


async def test_a_contracted_sites_plan_keeps_every_line_current_within_its_limit(
    node_factory: NodeFactory,
) -> None:
    cpo, scsp = await setup(node_factory)
    planner = scsp.node.planner
    assert planner is not None and len(planner.known) == 4
    await planner.settle()
    assert planner.latest is not None
    assert sorted(c.id for c in planner.latest.problem.currents) == [f"LOC1#1 line {x}" for x in "ABC"]
    amps = await applied_amps(cpo)
    lines = line_amps(amps)
    # Every car at its 32 A would put 64 A on the A-B branch and about 85 A on lines A and B; the 100 kW
    # connection never binds, so only the line currents hold the cars back.
    assert max(line_amps(dict.fromkeys(WIRING, 32.0)).values()) > 80
    assert max(lines.values()) <= LINE_AMPS + 1e-6, lines
    assert max(lines.values()) >= LINE_AMPS - 1.0, lines  # and the plan uses what the lines allow
    assert all(a == 0 or a >= 6.0 for a in amps.values()), amps  # 0 or at least the 6 A minimum


async def test_a_session_that_reaches_the_scsp_before_its_location_is_replanned_with_the_evses_ratings(
    node_factory: NodeFactory,
) -> None:
    """The CPO pushes a Location and its Sessions at once: a session seen first is planned as a connector of
    unknown ratings (three-phase 32 A), and planned anew as the single-phase EVSE it is once the location
    comes."""
    cpo, scsp = await setup(node_factory, plan_sessions=False)
    node = scsp.node
    assert node.profile_sender is not None
    site = SiteConfig(location="LOC1", capacity_kw=100, network=NETWORK)
    planner = SteeringPlanner(
        node.profile_sender, node.events, node.signals, node.clock, lambda *_: True, sites=[site]
    )
    async with node.database.unit_of_work() as uow:  # what the CPO pushed, replayed session first
        (partner_id,) = [p.id for p in await uow.partners.list()]
        sessions = (await uow.sessions.page(partner_id, Visibility(all_locations=True), Window(0, 10))).items
        stored = await uow.locations.get("NL", "CPO", "LOC1")
    assert stored is not None and len(sessions) == 4
    for s in sessions:
        await node.events.publish(SessionChanged(s, partner_id))
    await planner.start()
    try:
        await planner.settle()
        assert planner.latest is not None
        assert {s.max_power_w for s in planner.latest.problem.sessions} == {3 * 230 * 32}
        await node.events.publish(LocationChanged(stored.location, partner_id))
        await planner.settle()
        assert {s.max_power_w for s in planner.latest.problem.sessions} == {230 * 32}
        lines = line_amps(await applied_amps(cpo))
        assert LINE_AMPS - 1.0 <= max(lines.values()) <= LINE_AMPS + 1e-6, lines
    finally:
        await planner.stop()
