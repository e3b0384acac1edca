"""A plan that did not reach the CPO is sent again, with nothing else happening: the SCSP sends only profiles
that change, and the periodic re-plan is a whole step (15 minutes) away.

Under load a CPO's job waited past its deadline and was answered REJECTED unapplied: the SCSP had planned
6.1 A for the car, and its station went on at the CPO's 14.9 A share (test_phases never converged).
"""

from __future__ import annotations

import pytest

from fera.config import ContractConfig
from fera.cpo import cpo_of
from fera.cpo.chargingprofiles.stations import StationBehaviour
from fera.exchange import exchange_of
from fera.ocpi.sessions.models import CdrToken
from fera.smartcharging.events import ProfileRequestFinished
from tests.integration.chargingprofiles.setup import location
from tests.integration.stations.stage import Recorder
from tests.nodes import NodeFactory, connect, role

pytestmark = pytest.mark.timeout(90)
WAIT_S = 45.0  # the first resend comes after 5 s; generous for a loaded machine


async def test_a_plan_the_cpo_did_not_apply_is_sent_again_without_another_trigger(
    node_factory: NodeFactory,
) -> None:
    contract = ContractConfig(scsp="NL*SCS", locations=["LOC1"])
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", contracts=[contract])
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp")
    cpo_at_scsp, _ = await connect(scsp, cpo)
    module, planner = cpo.node.cpo_profiles, scsp.node.planner
    assert module is not None and planner is not None
    stations = module.stations.in_process
    stations.behaviour["LOC1-E1"] = StationBehaviour.REJECT  # the job's result: REJECTED, nothing applied
    requests = Recorder(scsp.node.events, ProfileRequestFinished)
    await cpo_of(cpo.node).locations.put_location(location(evses=1))
    token = CdrToken(country_code="NL", party_id="MSP", uid="T1", type="RFID", contract_id="NL-MSP-1")
    await cpo_of(cpo.node).sessions.start_session(
        token=token, location_id="LOC1", evse_uid="LOC1-E1", connector_id="1", session_id="S1"
    )
    await exchange_of(cpo.node).pusher.drain()

    rejected = await requests.wait(lambda e: e.request.result_type == "REJECTED", within_s=WAIT_S)
    assert (cpo_at_scsp.id, "S1") not in planner.sent  # not taken as in force
    stations.behaviour["LOC1-E1"] = StationBehaviour.ACCEPT
    mark = requests.items.index(rejected) + 1
    applied = await requests.wait(lambda e: e.request.result_type == "ACCEPTED", mark, WAIT_S)

    assert applied.request.session_id == "S1"
    assert planner.sent[(cpo_at_scsp.id, "S1")].to_wire() == applied.request.payload
    assert len(list(stations.stack("LOC1-E1"))) == 1  # the plan is in force at the station now
