"""The Sender's side of the async contract: timeouts, late results, restarts, and the exact wire payloads."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from fera.cpo.chargingprofiles.stations import StationBehaviour
from fera.ocpi.chargingprofiles.client import ChargingProfilesSenderClient
from fera.ocpi.chargingprofiles.models import ChargingProfileResult, ChargingProfileResultType
from fera.smartcharging.events import ProfileRequestFinished
from fera.smartcharging.model import RequestState
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(60)
REJECTED = ChargingProfileResult(result=ChargingProfileResultType.REJECTED)


async def pair(node_factory: NodeFactory, **cpo_settings: Any) -> tuple[RunningNode, RunningNode, str]:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", **cpo_settings)
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    partner, _ = await connect(emsp, cpo)
    await seed(cpo, [location()], [session("S1", "LOC1-E1")])
    return cpo, emsp, partner.id


async def test_timeout_then_late_result_is_still_recorded(node_factory: NodeFactory) -> None:
    cpo, emsp, cpo_id = await pair(node_factory, profile_result_timeout_s=1)
    assert emsp.node.profile_sender is not None and cpo.node.cpo_profiles is not None
    stations = cpo.node.cpo_profiles.stations.in_process
    stations.behaviour["LOC1-E1"] = StationBehaviour.SILENT
    finished: list[RequestState] = []

    async def record(event: ProfileRequestFinished) -> None:
        finished.append(event.request.state)

    async def lose_results(request: httpx.Request) -> None:  # FERA answers in time: lose that answer
        if "/results/" in request.url.path:
            raise httpx.ConnectError("network down", request=request)

    cpo.node.http.event_hooks["request"].append(lose_results)
    emsp.node.events.subscribe(ProfileRequestFinished, record)
    request = await emsp.node.profile_sender.set_profile(cpo_id, "S1", amps((0, 16.0)))
    timed_out = await emsp.node.profile_sender.wait(request.id, timeout=10)
    assert timed_out.state is RequestState.TIMED_OUT and timed_out.result is None
    await cpo.node.cpo_profiles.applier.drain()

    # A CPO that answers after its own timeout (not FERA): the late result is recorded, flagged late.
    cpo.node.http.event_hooks["request"].remove(lose_results)
    emsp_seen_by_cpo = next(p for p in await cpo.node.partners.list() if p.registered)
    target = cpo.node.partners.peer_target(emsp_seen_by_cpo)
    late_url = emsp.node.profile_sender.response_url(request.id)
    await ChargingProfilesSenderClient(cpo.node.peer).post_result(target, late_url, REJECTED)
    late = await emsp.node.profile_sender.request(request.id)
    assert late is not None and late.state is RequestState.DONE and late.late
    assert late.result == {"result": "REJECTED"}
    assert finished == [RequestState.TIMED_OUT, RequestState.DONE]


async def test_sender_restarted_mid_request_still_gets_its_result(node_factory: NodeFactory) -> None:
    cpo, emsp, cpo_id = await pair(node_factory)
    assert emsp.node.profile_sender is not None and cpo.node.cpo_profiles is not None
    stations = cpo.node.cpo_profiles.stations.in_process
    # The station stays silent longer than the eMSP takes to restart, even on a loaded machine: the CPO's
    # result must find the restarted Sender, not the one that went down.
    stations.behaviour["LOC1-E1"], stations.call_timeout = StationBehaviour.SILENT, 5.0
    request = await emsp.node.profile_sender.set_profile(cpo_id, "S1", amps((0, 16.0)))

    emsp = await node_factory.restart(emsp)
    await cpo.node.cpo_profiles.applier.drain()

    assert emsp.node.profile_sender is not None
    done = await emsp.node.profile_sender.wait(request.id, timeout=20)
    assert done.state is RequestState.DONE and done.result == {"result": "REJECTED"} and not done.late


async def test_what_the_cpo_puts_on_the_wire(node_factory: NodeFactory) -> None:
    cpo, emsp, cpo_id = await pair(node_factory)
    assert emsp.node.profile_sender is not None and cpo.node.cpo_profiles is not None
    sent: list[httpx.Request] = []

    async def capture(request: httpx.Request) -> None:
        sent.append(request)

    cpo.node.http.event_hooks["request"].append(capture)
    request = await emsp.node.profile_sender.set_profile(cpo_id, "S1", amps((0, 16.0)))
    await emsp.node.profile_sender.wait(request.id, timeout=10)
    await cpo.node.cpo_profiles.applier.drain()

    result, update = sent
    assert (result.method, str(result.url)) == ("POST", emsp.node.profile_sender.response_url(request.id))
    assert json.loads(result.content) == {"result": "ACCEPTED"}
    assert (update.method, str(update.url)) == ("PUT", emsp.url + "/ocpi/2.2.1/sender/chargingprofiles/S1")
    body = json.loads(update.content)
    assert set(body) == {"start_date_time", "charging_profile"} and body["start_date_time"].endswith("Z")
    assert body["charging_profile"] == {
        "duration": 3600,
        "charging_rate_unit": "A",
        "charging_profile_period": [{"start_period": 0, "limit": 16.0}],
    }
    for outbound in sent:
        assert (
            outbound.headers["ocpi-from-country-code"] == "NL"
            and outbound.headers["ocpi-from-party-id"] == "CPO"
        )
        assert outbound.headers["ocpi-to-party-id"] == "MSP"
        assert outbound.headers["authorization"].startswith("Token ") and outbound.headers["x-request-id"]
