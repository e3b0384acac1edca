"""Versions module on the wire: the version list and the 2.2.1 details, exactly as the spec shapes them."""

from __future__ import annotations

import re

import httpx

from fera.node import Node
from tests.wire.conftest import auth, registered_partner

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


async def test_the_version_list_names_2_2_1_and_its_details(node: Node, client: httpx.AsyncClient) -> None:
    _, token = await registered_partner(node)
    response = await client.get("/ocpi/versions", headers=auth(token))
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"data", "status_code", "status_message", "timestamp"}
    assert body["data"] == [{"version": "2.2.1", "url": "http://cpo.test/ocpi/2.2.1"}]
    assert (body["status_code"], body["status_message"]) == (1000, "Success")
    assert TIMESTAMP.match(body["timestamp"])


async def test_the_details_list_every_mounted_interface_once(node: Node, client: httpx.AsyncClient) -> None:
    _, token = await registered_partner(node)
    first = (await client.get("/ocpi/2.2.1", headers=auth(token))).json()
    data = first["data"]
    assert set(data) == {"version", "endpoints"} and data["version"] == "2.2.1"
    assert all(set(e) == {"identifier", "role", "url"} for e in data["endpoints"])
    listed = {(e["identifier"], e["role"]): e["url"] for e in data["endpoints"]}
    assert len(listed) == len(data["endpoints"])
    base = "http://cpo.test/ocpi/2.2.1"
    assert listed[("credentials", "SENDER")] == f"{base}/credentials"
    # A CPO+SCSP platform: both ChargingProfiles interfaces, the CPO's Sessions and Locations senders.
    assert {("chargingprofiles", "RECEIVER"), ("chargingprofiles", "SENDER")} <= set(listed)
    assert {("sessions", "SENDER"), ("locations", "SENDER")} <= set(listed)
    assert all(url.startswith(base + "/") for url in listed.values())
    assert {m.module.value for m in node.mounts} | {"credentials"} == {i for i, _ in listed}
    # Made once, stamped per answer: the next answer has the same data and its own timestamp.
    second = (await client.get("/ocpi/2.2.1", headers=auth(token))).json()
    assert second["data"] == data and TIMESTAMP.match(second["timestamp"])


async def test_versions_refuse_an_unknown_token(client: httpx.AsyncClient) -> None:
    for path in ("/ocpi/versions", "/ocpi/2.2.1"):
        response = await client.get(path, headers=auth("not-a-token"))
        assert response.status_code == 401  # with a client error's envelope, no data
        assert set(response.json()) == {"status_code", "status_message", "timestamp"}
        assert response.json()["status_code"] == 2000
