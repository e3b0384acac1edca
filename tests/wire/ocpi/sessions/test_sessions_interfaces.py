"""Sessions Sender (CPO node) through the app: error envelopes of the list and charging preferences."""

from __future__ import annotations

import httpx

from fera.node import Node

PREFS = "/ocpi/2.2.1/sender/sessions/S1/charging_preferences"


async def _partner_token(node: Node) -> dict[str, str]:
    """A registered eMSP partner, written straight to the store (no handshake needed in-process)."""
    import base64
    from datetime import UTC, datetime

    from fera.ocpi.auth import hash_token
    from fera.ocpi.types import Role
    from fera.partners import Partner, PartnerRole

    partner = Partner(
        id="p1",
        name="eMSP",
        created_at=datetime.now(UTC),
        roles=[PartnerRole(Role.EMSP, "NL", "EMS", "eMSP")],
        outbound_token="out",
        inbound_token_hash=hash_token("in"),
    )
    async with node.database.unit_of_work() as uow:
        await uow.partners.add(partner)
    return {"Authorization": "Token " + base64.b64encode(b"in").decode()}


async def test_sessions_list_needs_date_from_and_pages(node: Node, client: httpx.AsyncClient) -> None:
    headers = await _partner_token(node)
    missing = await client.get("/ocpi/2.2.1/sender/sessions", headers=headers)
    assert missing.status_code == 200
    assert missing.json()["status_code"] == 2001 and "date_from" in missing.json()["status_message"]
    empty = await client.get("/ocpi/2.2.1/sender/sessions?date_from=2020-01-01T00:00:00Z", headers=headers)
    assert (
        empty.json()["data"] == [] and empty.headers["x-total-count"] == "0" and "link" not in empty.headers
    )


async def test_preferences_errors(node: Node, client: httpx.AsyncClient) -> None:
    headers = await _partner_token(node)
    unauthenticated = await client.put(PREFS, json={"profile_type": "REGULAR"})
    assert unauthenticated.status_code == 401 and unauthenticated.json()["status_code"] == 2000
    invalid = await client.put(PREFS, json={"profile_type": "TURBO"}, headers=headers)
    assert invalid.status_code == 200 and invalid.json()["status_code"] == 2001
    assert "profile_type" in invalid.json()["status_message"]
    unknown = await client.put(PREFS, json={"profile_type": "REGULAR"}, headers=headers)
    assert unknown.status_code == 404 and set(unknown.json()) == {
        "status_code",
        "status_message",
        "timestamp",
    }


async def test_tokens_receiver_errors(node: Node, client: httpx.AsyncClient) -> None:
    headers = await _partner_token(node)
    token = {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": "A",
        "type": "RFID",
        "contract_id": "C",
        "issuer": "I",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2030-01-01T00:00:00Z",
    }
    base = "/ocpi/2.2.1/receiver/tokens/NL/EMS/A"
    created = await client.put(base, json=token, headers=headers)
    assert created.status_code == 201 and "data" not in created.json()
    replaced = await client.put(base + "?type=RFID", json=token, headers=headers)
    assert replaced.status_code == 200
    wrong_type = await client.put(base + "?type=APP_USER", json=token, headers=headers)
    assert wrong_type.json()["status_code"] == 2001
    foreign = await client.get("/ocpi/2.2.1/receiver/tokens/DE/XXX/A", headers=headers)
    assert foreign.status_code == 404
    no_last_updated = await client.patch(base, json={"valid": False}, headers=headers)
    assert no_last_updated.json()["status_code"] == 2001
    got = await client.get(base, headers=headers)
    assert got.json()["data"] == token
