"""Every ChargingProfile the CPO answers ACCEPTED can be computed and applied: its job reaches the station,
the station's answer is POSTed as the result, no job is left QUEUED (generated profiles, edges included)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fera.node import Node
from fera.ocpi.chargingprofiles.models import MAX_DURATION_S, MAX_PERIODS
from fera.ocpi.types import MAX_NUMBER, format_datetime
from fera.smartcharging.model import JobState
from tests.integration.chargingprofiles.setup import location, session
from tests.wire.conftest import PeerHandler, auth, registered_partner

URL = "/ocpi/2.2.1/receiver/chargingprofiles/S1"
RESPONSE_URL = "http://peer.test/cp/results/1"

limits = st.floats(min_value=0, max_value=MAX_NUMBER, allow_nan=False) | st.integers(0, int(MAX_NUMBER))
instants = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2099, 12, 31, 23, 59, 59))
starts = st.lists(st.integers(0, MAX_DURATION_S), max_size=40, unique=True).map(sorted)


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "charging_rate_unit": draw(st.sampled_from(["A", "W"])),
        "charging_profile_period": [{"start_period": s, "limit": draw(limits)} for s in draw(starts)],
    }
    optional = {
        "start_date_time": instants.map(lambda t: format_datetime(t.replace(tzinfo=UTC))),
        "duration": st.integers(0, MAX_DURATION_S),
        "min_charging_rate": limits,
    }
    for name, values in optional.items():
        if draw(st.booleans()):
            profile[name] = draw(values)
    return profile


EDGES = {
    "charging_rate_unit": "W",
    "start_date_time": "2099-12-31T23:59:59Z",
    "duration": MAX_DURATION_S,
    "min_charging_rate": MAX_NUMBER,
    "charging_profile_period": [{"start_period": i, "limit": MAX_NUMBER} for i in range(MAX_PERIODS - 1)]
    + [{"start_period": MAX_DURATION_S, "limit": 0}],
}


@pytest.fixture
async def token(node: Node, peer_routes: dict[str, PeerHandler]) -> str:
    async with node.database.unit_of_work() as uow:
        await uow.locations.put(location(), None)
        await uow.sessions.put(session("S1", "LOC1-E1"), None)
    ok = httpx.Response(200, json={"status_code": 1000, "timestamp": "2024-01-01T00:00:00Z"})
    peer_routes["http://peer.test/cp/S1"] = lambda request: ok  # ActiveChargingProfile pushes
    return (await registered_partner(node))[1]


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@example(profile=EDGES)
@example(profile={"charging_rate_unit": "A", "start_date_time": "1970-01-01T00:00:00Z", "duration": 0})
@given(profile=profiles())
async def test_accepted_means_applied_and_answered(
    node: Node,
    client: httpx.AsyncClient,
    token: str,
    peer_routes: dict[str, PeerHandler],
    profile: dict[str, Any],
) -> None:
    results: list[Any] = []

    def result(request: httpx.Request) -> httpx.Response:
        results.append(json.loads(request.content))
        return httpx.Response(200, json={"status_code": 1000, "timestamp": "2024-01-01T00:00:00Z"})

    peer_routes[RESPONSE_URL] = result
    body = {"charging_profile": profile, "response_url": RESPONSE_URL}
    response = await client.put(URL, json=body, headers=auth(token))
    assert response.json()["data"] == {"result": "ACCEPTED", "timeout": 30}

    assert node.cpo_profiles is not None
    await node.cpo_profiles.applier.drain()
    assert results == [{"result": "ACCEPTED"}]
    async with node.database.unit_of_work() as uow:
        jobs = await uow.profile_jobs.for_session("S1")
    assert {job.state for job in jobs} == {JobState.DONE}
