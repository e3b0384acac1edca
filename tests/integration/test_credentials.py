"""The token A/B/C handshake between real nodes on loopback: both directions, rotation, unregister."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from fera.ocpi.auth import hash_token
from fera.ocpi.transport import AsyncioBackend
from tests.nodes import NodeFactory, RunningNode, role


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


async def register(initiator: RunningNode, receiver: RunningNode) -> tuple[str, str]:
    """Receiver invites, initiator registers; returns (token the initiator uses, token the receiver uses)."""
    invitation = await receiver.node.partners.invite("initiator")
    partner = await initiator.node.partners.register_with(invitation.versions_url, invitation.token_a)
    back = await receiver.node.partners.find(invitation.partner_id)
    assert partner.outbound_token is not None and back is not None and back.outbound_token is not None
    return partner.outbound_token, back.outbound_token


async def test_handshake_stores_roles_endpoints_and_kills_token_a(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO", party="CPA"), name="cpo")
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    invitation = await cpo.node.partners.invite("eMSP")

    partner = await emsp.node.partners.register_with(invitation.versions_url, invitation.token_a)

    assert [(r.role.value, r.country_code, r.party_id) for r in partner.roles] == [("CPO", "NL", "CPA")]
    assert partner.version == "2.2.1"
    assert partner.endpoint("credentials", "SENDER") == cpo.url + "/ocpi/2.2.1/credentials"
    (seen_by_cpo,) = await cpo.node.partners.list()
    assert [(r.role.value, r.party_id) for r in seen_by_cpo.roles] == [("EMSP", "MSP")]
    assert seen_by_cpo.token_a_hash is None and seen_by_cpo.registered
    # Token C (used by the eMSP) is stored hashed only; token B (used by the CPO) must be kept to be sent.
    assert seen_by_cpo.inbound_token_hash == hash_token(partner.outbound_token or "")
    async with httpx.AsyncClient() as http:
        dead = await http.get(cpo.versions_url, headers=auth(invitation.token_a))
        assert dead.status_code == 401
        assert dead.json()["status_code"] == 2000 and "timestamp" in dead.json()
        ok = await http.get(cpo.versions_url, headers=auth(partner.outbound_token or ""))
        assert ok.status_code == 200 and ok.json()["status_code"] == 1000
        back = await http.get(emsp.versions_url, headers=auth(seen_by_cpo.outbound_token or ""))
        assert back.status_code == 200


async def test_handshake_in_the_other_direction(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO"), name="cpo")
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp")
    to_scsp, to_cpo = await register(cpo, scsp)  # the CPO is the initiator this time
    async with httpx.AsyncClient() as http:
        got = await http.get(scsp.url + "/ocpi/2.2.1/credentials", headers=auth(to_scsp))
    body = got.json()
    assert got.status_code == 200
    assert body["data"]["token"] == to_scsp
    assert body["data"]["url"] == scsp.versions_url
    assert body["data"]["roles"] == [
        {"role": "SCSP", "business_details": {"name": "Test SCSP"}, "party_id": "SCS", "country_code": "NL"}
    ]
    assert to_cpo != to_scsp


async def test_token_rotation_replaces_both_tokens(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO"), name="cpo", token_rotation_grace_s=0)  # old tokens die at once
    emsp = await node_factory(role("EMSP"), name="emsp", token_rotation_grace_s=0)
    old_c, old_b = await register(emsp, cpo)
    (partner,) = await emsp.node.partners.list()

    rotated = await emsp.node.partners.rotate(partner.id)

    (seen_by_cpo,) = await cpo.node.partners.list()
    assert rotated.outbound_token not in (None, old_c)
    assert seen_by_cpo.outbound_token not in (None, old_b)
    async with httpx.AsyncClient() as http:
        assert (await http.get(cpo.versions_url, headers=auth(old_c))).status_code == 401
        assert (await http.get(emsp.versions_url, headers=auth(old_b))).status_code == 401
        assert (
            await http.get(cpo.versions_url, headers=auth(rotated.outbound_token or ""))
        ).status_code == 200
        assert (
            await http.get(emsp.versions_url, headers=auth(seen_by_cpo.outbound_token or ""))
        ).status_code == 200


async def test_unregister_removes_the_partner_on_both_sides(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO"), name="cpo")
    emsp = await node_factory(role("EMSP"), name="emsp")
    token_c, _ = await register(emsp, cpo)
    (partner,) = await emsp.node.partners.list()

    await emsp.node.partners.unregister_from(partner.id)

    assert await emsp.node.partners.list() == []
    assert await cpo.node.partners.list() == []
    async with httpx.AsyncClient() as http:
        assert (await http.get(cpo.versions_url, headers=auth(token_c))).status_code == 401


async def test_rotation_keeps_the_previous_tokens_working_for_the_grace_window(
    node_factory: NodeFactory,
) -> None:
    """Requests in flight with the old tokens succeed on both sides (default 60 s window), new ones too."""
    cpo = await node_factory(role("CPO"), name="cpo")
    emsp = await node_factory(role("EMSP"), name="emsp")
    old_c, old_b = await register(emsp, cpo)
    (partner,) = await emsp.node.partners.list()

    rotated = await emsp.node.partners.rotate(partner.id)

    (seen_by_cpo,) = await cpo.node.partners.list()
    async with httpx.AsyncClient() as http:
        for node, token in (
            (cpo, old_c),
            (cpo, rotated.outbound_token),
            (emsp, old_b),
            (emsp, seen_by_cpo.outbound_token),
        ):
            assert (await http.get(node.versions_url, headers=auth(token or ""))).status_code == 200
    (seen_by_emsp,) = await emsp.node.partners.list()
    for side, old in ((seen_by_cpo, old_c), (seen_by_emsp, old_b)):
        assert side.previous_token_hash == hash_token(old) and side.previous_token_until is not None


async def test_a_nodes_outbound_calls_go_through_the_asyncio_transport(
    node_factory: NodeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Node` mounts `outbound_transport` (without it every call would take anyio's slower path)."""
    dialled: list[tuple[str, int]] = []
    connect_tcp = AsyncioBackend.connect_tcp

    async def counted(self: AsyncioBackend, host: str, port: int, **options: Any) -> Any:
        dialled.append((host, port))
        return await connect_tcp(self, host, port, **options)

    monkeypatch.setattr(AsyncioBackend, "connect_tcp", counted)
    cpo = await node_factory(role("CPO", party="CPA"), name="cpo")
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")

    await register(emsp, cpo)

    port = int(cpo.url.rsplit(":", 1)[1])
    assert ("127.0.0.1", port) in dialled  # the eMSP's versions and credentials calls to the CPO
