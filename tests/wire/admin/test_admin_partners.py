"""FERA's admin API for partners: invitations name who may register, the operator adds parties."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from fera.config import NodeConfig
from fera.node import Node, create_node
from fera.ocpi.auth import Party
from fera.ocpi.types import Role
from tests.nodes import role

TOKEN = "admin-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EMS = {"country_code": "nl", "party_id": "ems", "role": "EMSP"}


@pytest.fixture
async def admin(tmp_path: Path) -> AsyncIterator[tuple[Node, httpx.AsyncClient]]:
    config = NodeConfig(
        public_url="http://cpo.test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite3'}",
        roles=[role("CPO")],
        admin_token=TOKEN,
    )
    node = create_node(config)
    await node.start()
    transport = httpx.ASGITransport(app=node.app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://cpo.test") as http:
            yield node, http
    finally:
        await node.stop()


async def test_an_invitation_names_its_parties(admin: tuple[Node, httpx.AsyncClient]) -> None:
    node, http = admin
    response = await http.post(
        "/fera/admin/partners/invite", json={"name": "acme", "parties": [EMS]}, headers=AUTH
    )
    data = response.json()["data"]
    assert response.json()["status_code"] == 1000 and set(data) == {"partner_id", "token_a", "versions_url"}
    invited = await node.partners.find(data["partner_id"])
    assert invited is not None and invited.agreed == [Party("NL", "EMS", Role.EMSP)]
    taken = await http.post(
        "/fera/admin/partners/invite", json={"parties": [EMS | {"role": "OTHER"}]}, headers=AUTH
    )
    assert taken.json()["status_code"] == 2001 and "another partner" in taken.json()["status_message"]
    bad = await http.post(
        "/fera/admin/partners/invite", json={"parties": [EMS | {"party_id": "TOOLONG"}]}, headers=AUTH
    )
    assert bad.json()["status_code"] == 2001 and "party_id" in bad.json()["status_message"]


async def test_the_operator_adds_a_party(admin: tuple[Node, httpx.AsyncClient]) -> None:
    node, http = admin
    invitation = await node.partners.invite("acme", [Party("NL", "EMS", Role.EMSP)])
    url = f"/fera/admin/partners/{invitation.partner_id}/parties"

    added = await http.post(url, json={"country_code": "NL", "party_id": "EM2", "role": "EMSP"}, headers=AUTH)
    again = await http.post(url, json={"country_code": "NL", "party_id": "EM2", "role": "EMSP"}, headers=AUTH)

    expected = [
        {"country_code": "NL", "party_id": "EMS", "role": "EMSP"},
        {"country_code": "NL", "party_id": "EM2", "role": "EMSP"},
    ]
    assert added.json()["data"] == {"partner_id": invitation.partner_id, "name": "acme", "parties": expected}
    assert again.json()["data"]["parties"] == expected  # idempotent
    ours = await http.post(url, json={"country_code": "NL", "party_id": "CPO", "role": "EMSP"}, headers=AUTH)
    assert ours.json()["status_code"] == 2001 and "this platform" in ours.json()["status_message"]
    unknown = await http.post("/fera/admin/partners/nope/parties", json=EMS, headers=AUTH)
    assert unknown.status_code == 404
    assert (await http.post(url, json=EMS)).status_code == 401
