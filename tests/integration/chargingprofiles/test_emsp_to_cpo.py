"""Topology "eMSP generates profiles": eMSP (Sender) -> CPO (Receiver), over real HTTP between two nodes."""

from __future__ import annotations

from typing import Any

import pytest

from fera.cpo.chargingprofiles.stations import StationBehaviour
from fera.smartcharging.model import RequestState
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(60)


async def pair(node_factory: NodeFactory, **cpo_settings: Any) -> tuple[RunningNode, RunningNode, str]:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", **cpo_settings)
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    partner, _ = await connect(emsp, cpo)
    await seed(
        cpo,
        [location(), location("LOC2", capable=False, evses=1)],
        [
            session("S1", "LOC1-E1"),
            session("S2", "LOC1-E2", token_party="OTH"),
            session("S3", "LOC2-E1", location_id="LOC2"),
        ],
    )
    return cpo, emsp, partner.id


async def test_set_replace_get_clear_with_results_and_active_profile_updates(
    node_factory: NodeFactory,
) -> None:
    cpo, emsp, cpo_id = await pair(node_factory)
    sender, module = emsp.node.profile_sender, cpo.node.cpo_profiles
    assert sender is not None and module is not None

    request = await sender.set_profile(cpo_id, "S1", amps((0, 16.0), (1800, 8.0)))
    assert (request.response, request.timeout_s) == ("ACCEPTED", 30)
    assert request.state in (RequestState.WAITING, RequestState.DONE)  # the result may overtake the answer
    done = await sender.wait(request.id, timeout=10)
    assert done.state is RequestState.DONE and done.result == {"result": "ACCEPTED"} and not done.late
    assert done.result_latency_s is not None
    await module.applier.drain()
    (tx,) = list(module.stations.in_process.stack("LOC1-E1"))
    assert (tx.purpose.value, tx.kind.value, tx.unit, tx.transaction_id) == (
        "TxProfile",
        "Absolute",
        "A",
        "S1",
    )
    assert [(p.start_period, p.limit) for p in tx.periods][0] == (0, 16.0)
    active = await sender.active_profile(cpo_id, "S1")
    assert active is not None and active.charging_profile.charging_rate_unit.value == "A"
    assert active.charging_profile.charging_profile_period is not None
    assert active.charging_profile.charging_profile_period[0].limit == 16.0

    replaced = await sender.wait((await sender.set_profile(cpo_id, "S1", amps((0, 10.0)))).id, timeout=10)
    assert replaced.result == {"result": "ACCEPTED"}
    await module.applier.drain()
    (tx,) = list(module.stations.in_process.stack("LOC1-E1"))
    assert [(p.start_period, p.limit) for p in tx.periods] == [(0, 10.0)]

    got = await sender.wait((await sender.get_active_profile(cpo_id, "S1", 900)).id, timeout=10)
    assert got.result is not None and got.result["result"] == "ACCEPTED"
    assert set(got.result["profile"]) == {"start_date_time", "charging_profile"}
    assert got.result["profile"]["charging_profile"]["charging_profile_period"] == [
        {"start_period": 0, "limit": 10.0}
    ]

    cleared = await sender.wait((await sender.clear_profile(cpo_id, "S1")).id, timeout=10)
    assert cleared.result == {"result": "ACCEPTED"}
    await module.applier.drain()
    assert list(module.stations.in_process.stack("LOC1-E1")) == []
    active = await sender.active_profile(cpo_id, "S1")
    assert active is not None and active.charging_profile.charging_profile_period is not None
    assert active.charging_profile.charging_profile_period[0].limit == 32.0  # nothing left: the EVSE maximum
    again = await sender.wait((await sender.clear_profile(cpo_id, "S1")).id, timeout=10)
    assert again.result == {"result": "UNKNOWN"}


@pytest.mark.parametrize(
    ("session_id", "expected"),
    [("NOPE", "UNKNOWN_SESSION"), ("S2", "REJECTED"), ("S3", "NOT_SUPPORTED")],
)
async def test_synchronous_refusals(node_factory: NodeFactory, session_id: str, expected: str) -> None:
    cpo, emsp, cpo_id = await pair(node_factory)
    assert emsp.node.profile_sender is not None
    request = await emsp.node.profile_sender.set_profile(cpo_id, session_id, amps((0, 16.0)))
    assert (request.state, request.response) == (RequestState.REFUSED, expected)


async def test_too_often(node_factory: NodeFactory) -> None:
    cpo, emsp, cpo_id = await pair(node_factory, min_profile_interval_s=3600)
    sender = emsp.node.profile_sender
    assert sender is not None
    first = await sender.set_profile(cpo_id, "S1", amps((0, 16.0)))
    second = await sender.set_profile(cpo_id, "S1", amps((0, 12.0)))
    assert (first.response, second.response) == ("ACCEPTED", "TOO_OFTEN")


@pytest.mark.parametrize("behaviour", [StationBehaviour.REJECT, StationBehaviour.SILENT])
async def test_station_refusal_or_silence_is_a_rejected_result(
    node_factory: NodeFactory, behaviour: StationBehaviour
) -> None:
    cpo, emsp, cpo_id = await pair(node_factory)
    assert emsp.node.profile_sender is not None and cpo.node.cpo_profiles is not None
    stations = cpo.node.cpo_profiles.stations.in_process
    stations.behaviour["LOC1-E1"], stations.call_timeout = behaviour, 0.2
    request = await emsp.node.profile_sender.set_profile(cpo_id, "S1", amps((0, 16.0)))
    done = await emsp.node.profile_sender.wait(request.id, timeout=10)
    assert done.result == {"result": "REJECTED"}
    assert list(stations.stack("LOC1-E1")) == []


async def test_unreachable_cpo_fails_at_once(node_factory: NodeFactory) -> None:
    cpo, emsp, cpo_id = await pair(node_factory)
    await cpo.server.stop()
    node_factory.running.remove(cpo)
    assert emsp.node.profile_sender is not None
    request = await emsp.node.profile_sender.set_profile(cpo_id, "S1", amps((0, 16.0)))
    assert request.state is RequestState.FAILED and request.error and "ConnectError" in request.error
