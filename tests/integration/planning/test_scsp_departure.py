"""A car that was charging leaves: the SCSP re-plans at once, not after its debounce (where one car charges
at a time, the site waits for the next car's profile)."""

from __future__ import annotations

import time

import pytest

from fera.config import ContractConfig
from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.ocpi.sessions.models import CdrToken
from fera.scsp.planning_loop import SteeringPlanner
from tests.integration.chargingprofiles.setup import location
from tests.nodes import NodeFactory, connect, role

pytestmark = pytest.mark.timeout(90)
DEBOUNCE_S = 60.0  # far longer than the test may take: a re-plan within it was not debounced


async def test_a_charging_car_that_leaves_is_replanned_at_once(node_factory: NodeFactory) -> None:
    cpo = await node_factory(
        role("CPO", party="CPO"), name="cpo", contracts=[ContractConfig(scsp="NL*SCS", locations=["LOC1"])]
    )
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", plan_sessions=False)
    sender = scsp.node.profile_sender
    assert sender is not None
    node = scsp.node
    planner = SteeringPlanner(
        sender, node.events, node.signals, node.clock, lambda *_: True, debounce_s=DEBOUNCE_S
    )
    await connect(scsp, cpo)
    await cpo_of(cpo.node).locations.put_location(location(evses=2))
    for i in (1, 2):
        token = CdrToken(
            country_code="NL", party_id="MSP", uid=f"T{i}", type="RFID", contract_id=f"NL-MSP-{i}"
        )
        await cpo_of(cpo.node).sessions.start_session(
            token=token, location_id="LOC1", evse_uid=f"LOC1-E{i}", connector_id="1", session_id=f"S{i}"
        )
    await exchange_of(cpo.node).pusher.drain()
    first = await planner.replan()
    assert first is not None and all(first.plan.schedule(s.id)[0] > 0 for s in first.problem.sessions)
    await planner.start()  # its first re-plan now waits out the debounce
    try:
        began = time.monotonic()
        await cpo_of(cpo.node).sessions.stop_session("S1")
        await exchange_of(cpo.node).pusher.drain()
        await planner.settle(timeout=DEBOUNCE_S / 2)
        assert time.monotonic() - began < DEBOUNCE_S / 2
        assert planner.latest is not None
        assert [s.id.rsplit("/", 1)[1] for s in planner.latest.problem.sessions] == ["S2"]
    finally:
        await planner.stop()
