"""Charging preferences on the CPO's Sessions Sender: every ChargingPreferencesResponse value, by its rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from fera.ocpi.sessions.models import ChargingPreferences
from fera.sessions_events import PreferencesChanged
from tests.integration.test_sessions_support import Trio, auth, location, outbound_token, token, trio
from tests.nodes import NodeFactory

CAPABLE = ["CHARGING_PREFERENCES_CAPABLE", "CHARGING_PROFILE_CAPABLE"]


async def preferences(t: Trio, session_id: str, body: dict[str, Any]) -> httpx.Response:
    url = f"{t.cpo.url}/ocpi/2.2.1/sender/sessions/{session_id}/charging_preferences"
    async with httpx.AsyncClient() as http:
        return await http.put(url, json=body, headers=auth(await outbound_token(t.emsp, "CPO")))


@pytest.fixture
async def nodes(node_factory: NodeFactory) -> Trio:
    t = await trio(node_factory)
    await t.c.locations.put_location(
        location("LOC1", capabilities=CAPABLE, tariffs=["T-REGULAR", "NL-CPO-GREEN"])
    )
    await t.c.locations.put_location(location("LOC2"))  # no CHARGING_PREFERENCES_CAPABLE
    for sid, loc in (("S1", "LOC1"), ("S2", "LOC2"), ("S3", "LOC1")):
        await t.c.sessions.start_session(
            session_id=sid, token=token(), location_id=loc, evse_uid=f"{loc}-E1", connector_id="1"
        )
    await t.c.sessions.stop_session("S3")
    return t


def soon(hours: float) -> str:
    from datetime import UTC, datetime

    return (datetime.now(UTC) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("session_id", "body", "expected"),
    [
        ("S3", {"profile_type": "REGULAR"}, "NOT_POSSIBLE"),  # session completed
        (
            "S1",
            {"profile_type": "CHEAP", "departure_time": soon(5), "energy_need": 10},
            "PROFILE_TYPE_NOT_SUPPORTED",
        ),
        ("S1", {"profile_type": "GREEN", "energy_need": 10}, "DEPARTURE_REQUIRED"),
        ("S1", {"profile_type": "GREEN", "departure_time": soon(5)}, "ENERGY_NEED_REQUIRED"),
        (
            "S1",
            {"profile_type": "GREEN", "departure_time": soon(1), "energy_need": 500},
            "NOT_POSSIBLE",
        ),  # > 22 kW x 1 h
        ("S1", {"profile_type": "GREEN", "departure_time": soon(5), "energy_need": 30}, "ACCEPTED"),
        ("S1", {"profile_type": "REGULAR"}, "ACCEPTED"),
    ],
)
async def test_every_response_value(
    nodes: Trio, session_id: str, body: dict[str, Any], expected: str
) -> None:
    response = await preferences(nodes, session_id, body)
    assert response.status_code == 200
    assert response.json()["status_code"] == 1000 and response.json()["data"] == expected


async def test_accepted_preferences_are_stored_and_published(nodes: Trio) -> None:
    events: list[PreferencesChanged] = []

    async def listen(event: PreferencesChanged) -> None:
        events.append(event)

    nodes.cpo.node.events.subscribe(PreferencesChanged, listen)
    body = {"profile_type": "GREEN", "departure_time": soon(5), "energy_need": 30, "discharge_allowed": False}
    assert (await preferences(nodes, "S1", body)).json()["data"] == "ACCEPTED"
    context = await nodes.c.query.context("S1")
    assert context is not None and context.preferences == ChargingPreferences.model_validate(body)
    assert [(e.session_id, e.preferences.profile_type.value) for e in events] == [("S1", "GREEN")]
    assert context.connector is not None and context.connector.max_electric_power == 22000


async def test_evse_without_the_capability_is_404_2001(nodes: Trio) -> None:
    response = await preferences(nodes, "S2", {"profile_type": "REGULAR"})
    assert response.status_code == 404 and response.json()["status_code"] == 2001
    assert "data" not in response.json()


async def test_unknown_session_and_bad_body(nodes: Trio) -> None:
    unknown = await preferences(nodes, "NOPE", {"profile_type": "REGULAR"})
    assert unknown.status_code == 404
    bad = await preferences(nodes, "S1", {"profile_type": "TURBO"})
    assert bad.status_code == 200 and bad.json()["status_code"] == 2001
