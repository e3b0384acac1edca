"""The CPO's locations through the admin API: import, update, patch, remove; each pushed to the eMSP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from fera.cpo import cpo_of
from fera.ocpi.locations.models import Status
from tests.nodes import role
from tests.wire.admin.provisioning import AUTH, AdminNode, admin_node

BASE = "/fera/admin/locations"
PUSHED = "/locations/NL/CPO/LOC1"


def location(location_id: str = "LOC1", **fields: Any) -> dict[str, Any]:
    """What an operator writes: no party, no timestamps, no statuses."""
    return {
        "id": location_id,
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "country": "NLD",
        "coordinates": {"latitude": "52.08940", "longitude": "5.11070"},
        "time_zone": "Europe/Amsterdam",
        "evses": [
            {
                "uid": f"{location_id}-E1",
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "max_voltage": 230,
                        "max_amperage": 16,
                    }
                ],
            }
        ],
    } | fields


@pytest.fixture
async def cpo(tmp_path: Path) -> AsyncIterator[AdminNode]:
    async with admin_node(tmp_path, role("CPO"), ("EMSP", "locations", "MSP")) as node:
        yield node


async def imported(cpo: AdminNode, body: Any) -> dict[str, Any]:
    response = await cpo.client.post(BASE, content=json.dumps(body), headers=AUTH)
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


async def test_import_fills_in_what_the_node_knows_and_pushes_before_answering(cpo: AdminNode) -> None:
    answer = await imported(cpo, [location("LOC1"), location("LOC2")])

    assert (answer["status_code"], answer["data"]) == (1000, {"imported": ["LOC1", "LOC2"], "pushes": 2})
    assert [(m, p) for m, p, _ in cpo.pushes.calls] == [("PUT", PUSHED), ("PUT", "/locations/NL/CPO/LOC2")]
    pushed = cpo.pushes.calls[0][2]
    assert (pushed["country_code"], pushed["party_id"], pushed["publish"]) == ("NL", "CPO", True)
    assert pushed["evses"][0]["status"] == "UNKNOWN" and "last_updated" in pushed["evses"][0]["connectors"][0]
    listed = (await cpo.client.get(BASE, headers=AUTH)).json()["data"]
    assert [x["id"] for x in listed] == ["LOC1", "LOC2"]


async def test_an_invalid_object_is_refused_naming_it_and_the_field(cpo: AdminNode) -> None:
    bad = location("LOC2")
    del bad["coordinates"]
    answer = await imported(cpo, [location("LOC1"), bad])
    assert answer["status_code"] == 2001
    assert answer["status_message"] == (
        "Invalid or missing parameters: location 2 (id LOC2): coordinates: Field required"
    )
    foreign = await imported(cpo, location("LOC3", country_code="DE", party_id="XYZ"))
    assert foreign["status_message"] == (
        "Invalid or missing parameters: location 1 (id LOC3): country_code/party_id: DE*XYZ is not this "
        "node's party NL*CPO (CPO)"
    )
    not_json = await cpo.client.post(BASE, content=b"{", headers=AUTH)
    assert not_json.json()["status_message"].startswith("Invalid or missing parameters: not valid JSON")
    assert cpo.pushes.calls == [] and (await cpo.client.get(BASE, headers=AUTH)).json()["data"] == []


async def test_reimport_keeps_learnt_evses_and_reported_statuses(cpo: AdminNode) -> None:
    await imported(cpo, location())
    locations = cpo_of(cpo.node).locations
    await locations.set_evse_status("LOC1", "LOC1-E1", Status.CHARGING)
    second = location()["evses"][0] | {"uid": "LOC1-E2"}
    await locations.patch_location("LOC1", _patch(evses=[second | _dated(second)]))

    await imported(cpo, location(name="Renamed"))  # names LOC1-E1 only, without a status

    stored = await locations.location("LOC1")
    assert stored is not None and stored.name == "Renamed"
    assert [(e.uid, e.status.value) for e in stored.evses or []] == [
        ("LOC1-E1", "CHARGING"),
        ("LOC1-E2", "UNKNOWN"),
    ]


async def test_put_patch_and_delete_one_location(cpo: AdminNode) -> None:
    put = await cpo.client.put(f"{BASE}/LOC1", content=json.dumps(location()), headers=AUTH)
    assert put.json()["data"]["id"] == "LOC1"
    wrong = await cpo.client.put(f"{BASE}/LOC9", content=json.dumps(location()), headers=AUTH)
    assert wrong.json()["status_message"] == "The body must be one location with id LOC9"

    patch = await cpo.client.patch(f"{BASE}/LOC1", json={"name": "Car park"}, headers=AUTH)
    assert patch.json()["data"]["name"] == "Car park"
    method, path, body = cpo.pushes.calls[-1]
    assert (method, path, set(body)) == ("PATCH", PUSHED, {"name", "last_updated"})
    immutable = await cpo.client.patch(f"{BASE}/LOC1", json={"id": "LOC2"}, headers=AUTH)
    assert immutable.json()["status_message"] == "id can't be changed (it is LOC1)"

    gone_evse = await cpo.client.delete(f"{BASE}/LOC1/LOC1-E1", headers=AUTH)
    assert gone_evse.json()["data"]["evses"][0]["status"] == "REMOVED"
    method, path, body = cpo.pushes.calls[-1]
    assert (method, path, body["status"]) == ("PATCH", PUSHED + "/LOC1-E1", "REMOVED")

    gone = await cpo.client.delete(f"{BASE}/LOC1", headers=AUTH)
    assert [e["status"] for e in gone.json()["data"]["evses"]] == ["REMOVED"]
    assert cpo.pushes.calls[-1][:2] == ("PUT", PUSHED)
    unknown = await cpo.client.delete(f"{BASE}/NOPE", headers=AUTH)
    assert (unknown.status_code, unknown.json()["status_message"]) == (404, "Unknown location NOPE")


async def test_the_admin_token_is_required(cpo: AdminNode) -> None:
    response = await cpo.client.post(BASE, content=json.dumps(location()))
    assert response.status_code == 401 and cpo.pushes.calls == []


def _dated(obj: dict[str, Any]) -> dict[str, Any]:
    return {"status": "UNKNOWN", "last_updated": "2026-01-01T00:00:00Z"} | {
        "connectors": [c | {"last_updated": "2026-01-01T00:00:00Z"} for c in obj["connectors"]]
    }


def _patch(**fields: Any) -> Any:
    from fera.ocpi.locations.models import LocationPatch

    return LocationPatch.model_validate({"last_updated": "2026-01-01T00:00:00Z"} | fields)
