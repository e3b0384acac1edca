"""Topology "CPO delegates to SCSP", two senders on one session, and a CPO restarted mid-request."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from fera.charging import OcppChargingProfile
from fera.config import ContractConfig
from fera.cpo import cpo_of
from fera.cpo.chargingprofiles.stations import StationBehaviour
from fera.smartcharging.model import RequestState
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(60)


async def started(cpo: RunningNode, session_id: str) -> datetime:
    stored = await cpo_of(cpo.node).sessions.session(session_id)
    assert stored is not None
    return stored.session.start_date_time


def absolute(profile: OcppChargingProfile, index: int) -> datetime:
    assert profile.start_schedule is not None
    return profile.start_schedule + timedelta(seconds=profile.periods[index].start_period)


async def trio(node_factory: NodeFactory) -> tuple[RunningNode, RunningNode, RunningNode, str, str]:
    """A CPO whose contract gives LOC1 (not LOC2) to the SCSP; the eMSP owns the tokens of S1..S3."""
    contract = ContractConfig(scsp="NL*SCS", locations=["LOC1"])
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", contracts=[contract])
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", plan_sessions=False)
    cpo_for_emsp, _ = await connect(emsp, cpo)
    cpo_for_scsp, _ = await connect(scsp, cpo)
    await seed(
        cpo,
        [location(), location("LOC2", evses=1)],
        [session("S1", "LOC1-E1"), session("S2", "LOC1-E2"), session("S3", "LOC2-E1", location_id="LOC2")],
    )
    return cpo, emsp, scsp, cpo_for_emsp.id, cpo_for_scsp.id


async def test_scsp_steers_only_contracted_locations(node_factory: NodeFactory) -> None:
    cpo, emsp, scsp, _, cpo_id = await trio(node_factory)
    assert scsp.node.profile_sender is not None
    ok = await scsp.node.profile_sender.set_profile(cpo_id, "S1", amps((0, 12.0)))
    outside = await scsp.node.profile_sender.set_profile(cpo_id, "S3", amps((0, 12.0)))
    assert (ok.response, outside.response) == ("ACCEPTED", "REJECTED")
    assert (await scsp.node.profile_sender.wait(ok.id, timeout=10)).result == {"result": "ACCEPTED"}


async def test_two_senders_minimum_clear_one_and_push_only_to_setters(node_factory: NodeFactory) -> None:
    cpo, emsp, scsp, emsp_cpo, scsp_cpo = await trio(node_factory)
    emsp_sender, scsp_sender, module = (
        emsp.node.profile_sender,
        scsp.node.profile_sender,
        cpo.node.cpo_profiles,
    )
    assert emsp_sender is not None and scsp_sender is not None and module is not None

    # The eMSP only reads the active profile of S2: it must never get pushes for S2.
    await emsp_sender.wait((await emsp_sender.get_active_profile(emsp_cpo, "S2", 600)).id, timeout=10)
    await emsp_sender.wait((await emsp_sender.set_profile(emsp_cpo, "S1", amps((0, 16.0)))).id, timeout=10)
    await scsp_sender.wait(
        (await scsp_sender.set_profile(scsp_cpo, "S1", amps((0, 20.0), (900, 6.0)))).id, timeout=10
    )
    await scsp_sender.wait((await scsp_sender.set_profile(scsp_cpo, "S2", amps((0, 7.0)))).id, timeout=10)
    await module.applier.drain()

    (tx,) = list(module.stations.in_process.stack("LOC1-E1"))
    # min of both senders; the SCSP's profile is relative: its second period starts 900 s after charging began
    assert [p.limit for p in tx.periods] == [16.0, 6.0]
    assert absolute(tx, 1) == await started(cpo, "S1") + timedelta(seconds=900)
    for sender, cpo_id in ((emsp_sender, emsp_cpo), (scsp_sender, scsp_cpo)):
        active = await sender.active_profile(cpo_id, "S1")
        assert active is not None and active.charging_profile.charging_profile_period is not None
        assert active.charging_profile.charging_profile_period[0].limit == 16.0
    assert await emsp_sender.active_profile(emsp_cpo, "S2") is None  # never set a profile on S2

    cleared = await emsp_sender.wait((await emsp_sender.clear_profile(emsp_cpo, "S1")).id, timeout=10)
    assert cleared.result == {"result": "ACCEPTED"}
    await module.applier.drain()
    (tx,) = list(module.stations.in_process.stack("LOC1-E1"))
    assert [p.limit for p in tx.periods] == [20.0, 6.0]  # the SCSP's profile stays in force
    assert absolute(tx, 1) == await started(cpo, "S1") + timedelta(seconds=900)
    after = await emsp_sender.active_profile(emsp_cpo, "S1")
    assert after is not None and after.charging_profile.charging_profile_period is not None
    assert (
        after.charging_profile.charging_profile_period[0].limit == 20.0
    )  # the clearer still hears of changes


async def test_cpo_restarted_mid_request_resumes_the_job(node_factory: NodeFactory) -> None:
    cpo, emsp, _, cpo_id, _ = await trio(node_factory)
    assert emsp.node.profile_sender is not None and cpo.node.cpo_profiles is not None
    stations = cpo.node.cpo_profiles.stations.in_process
    stations.behaviour["LOC1-E1"], stations.call_timeout = StationBehaviour.SILENT, 30.0

    request = await emsp.node.profile_sender.set_profile(cpo_id, "S1", amps((0, 11.0)))
    assert request.response == "ACCEPTED"
    cpo = await node_factory.restart(cpo)  # the station never answered before the restart

    done = await emsp.node.profile_sender.wait(request.id, timeout=20)
    assert done.state is RequestState.DONE and done.result == {"result": "ACCEPTED"}
    assert cpo.node.cpo_profiles is not None
    await cpo.node.cpo_profiles.applier.drain()
    (tx,) = list(cpo.node.cpo_profiles.stations.in_process.stack("LOC1-E1"))
    assert tx.periods[0].limit == 11.0
