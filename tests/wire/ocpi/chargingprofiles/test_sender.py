"""ChargingProfiles Sender endpoints on the wire: results matched by request id, active-profile PUTs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from fera.node import Node
from fera.smartcharging.model import ProfileRequest, RequestKind, RequestState
from tests.wire.conftest import auth, registered_partner

BASE = "/ocpi/2.2.1/sender/chargingprofiles"
ACTIVE_TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACTIVE = {
    "start_date_time": "2026-03-01T12:00:00Z",
    "charging_profile": {
        "charging_rate_unit": "W",
        "charging_profile_period": [{"start_period": 0, "limit": 11000}],
    },
}


async def waiting_request(
    node: Node,
    partner_id: str,
    kind: RequestKind = RequestKind.SET,
    held: bool = False,
    request_id: str = "req1",
) -> str:
    """A request waiting for its result; `held`: as if this process had sent it (its kind and partner held
    in memory, so its result is read without reading the request first)."""
    assert node.profile_sender is not None
    request = ProfileRequest(
        id=request_id,
        kind=kind,
        partner_id=partner_id,
        session_id="S1",
        state=RequestState.WAITING,
        created_at=ACTIVE_TIME,
    )
    async with node.database.unit_of_work() as uow:
        await uow.profile_requests.add(request)
    if held:
        node.profile_sender._open[request.id] = (partner_id, kind)
    return node.profile_sender.response_url(request.id)


@pytest.mark.parametrize("held", [False, True])
async def test_result_is_recorded_and_acknowledged_without_data(
    node: Node, client: httpx.AsyncClient, held: bool
) -> None:
    partner_id, token = await registered_partner(node, "CPO", "CPX")
    url = await waiting_request(node, partner_id, held=held)
    assert url == "http://cpo.test/ocpi/2.2.1/sender/chargingprofiles/results/req1"
    response = await client.post(
        url.removeprefix("http://cpo.test"), json={"result": "ACCEPTED"}, headers=auth(token)
    )
    assert response.status_code == 200 and response.json()["status_code"] == 1000
    assert "data" not in response.json()
    assert node.profile_sender is not None
    done = await node.profile_sender.request("req1")
    assert done is not None and done.state is RequestState.DONE and done.result == {"result": "ACCEPTED"}


@pytest.mark.parametrize("held", [False, True])
async def test_result_for_unknown_or_foreign_request_is_2001(
    node: Node, client: httpx.AsyncClient, held: bool
) -> None:
    owner_id, _ = await registered_partner(node, "CPO", "CPX")
    _, other_token = await registered_partner(node, "CPO", "CPY")
    await waiting_request(node, owner_id, held=held)
    answers = []
    for request_id in ("nope", "req1"):
        for body in ({"result": "ACCEPTED"}, {"result": "MAYBE"}):  # the same answer, whatever the body
            response = await client.post(f"{BASE}/results/{request_id}", json=body, headers=auth(other_token))
            assert response.status_code == 200 and response.json()["status_code"] == 2001
            answers.append(response.json()["status_message"])
    assert (
        answers
        == ["No request nope is waiting for a result from you"] * 2
        + ["No request req1 is waiting for a result from you"] * 2
    )
    assert node.profile_sender is not None
    untouched = await node.profile_sender.request("req1")
    assert untouched is not None and untouched.state is RequestState.WAITING


@pytest.mark.parametrize("held", [False, True])
async def test_result_of_the_wrong_shape_is_2001(node: Node, client: httpx.AsyncClient, held: bool) -> None:
    partner_id, token = await registered_partner(node, "CPO", "CPX")
    await waiting_request(node, partner_id, RequestKind.SET, held)
    response = await client.post(f"{BASE}/results/req1", json={"result": "MAYBE"}, headers=auth(token))
    assert response.json()["status_code"] == 2001 and "result" in response.json()["status_message"]


async def test_active_profile_put_on_spec_path_and_aliases(node: Node, client: httpx.AsyncClient) -> None:
    partner_id, token = await registered_partner(node, "CPO", "CPX")
    for path in (f"{BASE}/S1", f"{BASE}/activechargingprofile/S2", f"{BASE}/S3/active"):
        response = await client.put(path, json=ACTIVE, headers=auth(token))
        assert response.status_code == 200 and response.json()["status_code"] == 1000, (path, response.text)
        assert "data" not in response.json()
    assert node.profile_sender is not None
    for session_id in ("S1", "S2", "S3"):
        stored = await node.profile_sender.active_profile(partner_id, session_id)
        assert stored is not None and stored.to_wire() == ACTIVE


async def test_results_and_active_profiles_arriving_together_are_each_recorded(
    node: Node, client: httpx.AsyncClient
) -> None:
    """They are written in groups (one transaction per group): each is answered once its own is stored."""
    partner_id, token = await registered_partner(node, "CPO", "CPX")
    ids = [f"req{n}" for n in range(8)]
    for n, request_id in enumerate(ids):
        await waiting_request(node, partner_id, held=n % 2 == 0, request_id=request_id)
    results = [
        client.post(f"{BASE}/results/{i}", json={"result": "ACCEPTED"}, headers=auth(token)) for i in ids
    ]
    actives = [client.put(f"{BASE}/S{n}", json=ACTIVE, headers=auth(token)) for n in range(8)]
    answers = await asyncio.gather(*results, *actives)
    assert [(a.status_code, a.json()["status_code"]) for a in answers] == [(200, 1000)] * 16
    assert node.profile_sender is not None
    for request_id in ids:
        done = await node.profile_sender.request(request_id)
        assert done is not None and done.state is RequestState.DONE and done.result == {"result": "ACCEPTED"}
    for n in range(8):
        stored = await node.profile_sender.active_profile(partner_id, f"S{n}")
        assert stored is not None and stored.to_wire() == ACTIVE
