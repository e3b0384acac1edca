"""Topology "eMSP delegates to SCSP": SCSP -> eMSP (proxy) -> CPO, with results and updates relayed back."""

from __future__ import annotations

import pytest

from fera.config import DelegationConfig
from fera.smartcharging.model import RequestState
from tests.integration.chargingprofiles.setup import amps, forwarded_session
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(60)


async def chain(node_factory: NodeFactory) -> tuple[RunningNode, RunningNode, RunningNode, str, str]:
    """CPO <- eMSP <- SCSP; a session of the eMSP's customer at the CPO, forwarded to the SCSP."""
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    emsp = await node_factory(
        role("EMSP", party="MSP"), name="emsp", delegations=[DelegationConfig(scsp="NL*SCS")]
    )
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", plan_sessions=False)
    cpo_at_emsp, _ = await connect(emsp, cpo)
    emsp_at_scsp, _ = await connect(scsp, emsp)
    forwarded_id = await forwarded_session(cpo, emsp, cpo_at_emsp.id)
    assert forwarded_id != "S1"  # the SCSP only ever sees the eMSP's own id
    return cpo, emsp, scsp, emsp_at_scsp.id, forwarded_id


async def test_set_get_clear_through_the_emsp(node_factory: NodeFactory) -> None:
    cpo, emsp, scsp, emsp_id, forwarded_id = await chain(node_factory)
    sender, module = scsp.node.profile_sender, cpo.node.cpo_profiles
    assert sender is not None and module is not None

    request = await sender.set_profile(emsp_id, forwarded_id, amps((0, 13.0)))
    assert (request.response, request.timeout_s) == ("ACCEPTED", 30)  # the CPO's own answer, relayed
    done = await sender.wait(request.id, timeout=10)
    assert done.state is RequestState.DONE and done.result == {"result": "ACCEPTED"}
    await module.applier.drain()
    (tx,) = list(module.stations.in_process.stack("LOC1-E1"))
    assert tx.transaction_id == "S1" and tx.periods[0].limit == 13.0
    active = await sender.active_profile(emsp_id, forwarded_id)  # relayed under the eMSP's id
    assert active is not None and active.charging_profile.charging_profile_period is not None
    assert active.charging_profile.charging_profile_period[0].limit == 13.0

    got = await sender.wait((await sender.get_active_profile(emsp_id, forwarded_id, 600)).id, timeout=10)
    assert got.result is not None and got.result["result"] == "ACCEPTED"
    assert got.result["profile"]["charging_profile"]["charging_profile_period"][0]["limit"] == 13.0

    cleared = await sender.wait((await sender.clear_profile(emsp_id, forwarded_id)).id, timeout=10)
    assert cleared.result == {"result": "ACCEPTED"}
    await module.applier.drain()
    after = await sender.active_profile(emsp_id, forwarded_id)
    assert after is not None and after.charging_profile.charging_profile_period is not None
    assert after.charging_profile.charging_profile_period[0].limit == 32.0


async def test_only_forwarded_sessions_of_this_scsp(node_factory: NodeFactory) -> None:
    cpo, emsp, scsp, emsp_id, _ = await chain(node_factory)
    assert scsp.node.profile_sender is not None
    request = await scsp.node.profile_sender.set_profile(emsp_id, "S1", amps((0, 13.0)))  # the CPO's id
    assert (request.state, request.response) == (RequestState.REFUSED, "UNKNOWN_SESSION")


async def test_unreachable_cpo_is_a_clear_answer(node_factory: NodeFactory) -> None:
    cpo, emsp, scsp, emsp_id, forwarded_id = await chain(node_factory)
    await cpo.server.stop()
    node_factory.running.remove(cpo)
    assert scsp.node.profile_sender is not None
    request = await scsp.node.profile_sender.set_profile(emsp_id, forwarded_id, amps((0, 13.0)))
    assert request.state is RequestState.FAILED
    assert request.error is not None and "The CPO could not be reached" in request.error
