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
from tests.integration.chargingprofiles.setup import location
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(120)
LINE_AMPS = 40.0
# 3 x 230 V between lines (an IT network): each single-phase EVSE across a line pair, E1 and E4 on A-B.
WIRING: dict[str, LineConnection] = {"LOC1-E1": "AB", "LOC1-E2": "BC", "LOC1-E3": "CA", "LOC1-E4": "AB"}
ANGLE = {"AB": 30.0, "BC": -90.0, "CA": 150.0}


def single_phase_location() -> Location:
    """Four single-phase 230 V 32 A EVSEs (7.36 kW each)."""
    doc = location(evses=4).model_dump(mode="json", exclude_none=True)
    for evse in doc["evses"]:
        evse["connectors"][0]["power_type"] = "AC_1_PHASE"
    return Location.model_validate(doc)


async def setup(node_factory: NodeFactory) -> tuple[RunningNode, RunningNode]:
    cpo = await node_factory(
        role("CPO", party="CPO"), name="cpo", contracts=[ContractConfig(scsp="NL*SCS", locations=["LOC1"])]
    )
    network = NetworkConfig(line_amps=LINE_AMPS, voltage=230, evses=WIRING)
    scsp = await node_factory(
        role("SCSP", party="SCS"),
        name="scsp",
        sites=[SiteConfig(location="LOC1", capacity_kw=100, network=network)],
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
