"""A partner is who its operator agreed: roles claimed in a credentials POST/PUT beyond that are refused
(2001), and after a rotation the previous token works for the grace window only."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from fera.node import Node
from fera.ocpi.auth import Party, hash_token
from fera.ocpi.credentials import CredentialsClient
from fera.ocpi.errors import InvalidParameters
from fera.ocpi.types import Role
from fera.ocpi.versions import VersionsClient
from fera.partners import Identity, PartnerService
from tests.wire.conftest import PeerHandler, registered_partner
from tests.wire.ocpi.credentials.test_credentials_receiver import PEER_VERSIONS, b64, envelope, healthy_peer

CREDENTIALS = "/ocpi/2.2.1/credentials"
PEE = Party("DE", "PEE", Role.EMSP)


def claim(*parties: tuple[str, str, str], token: str = "token-b") -> dict[str, Any]:
    roles = [
        {"role": r, "business_details": {"name": "Peer"}, "party_id": p, "country_code": c}
        for c, p, r in parties
    ]
    return {"token": token, "url": PEER_VERSIONS, "roles": roles}


def refused(response: httpx.Response, *words: str) -> bool:
    body = response.json()
    return (
        response.status_code == 200
        and body["status_code"] == 2001
        and "data" not in body
        and all(w in body["status_message"] for w in ("roles", *words))
    )


async def test_post_claiming_a_party_beyond_the_invitation_is_refused_and_logged(
    node: Node,
    client: httpx.AsyncClient,
    peer_routes: dict[str, PeerHandler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str] = []
    healthy_peer(peer_routes, seen)
    invitation = await node.partners.invite("peer", [PEE])
    body = claim(("DE", "PEE", "EMSP"), ("DE", "OTH", "EMSP"))

    with caplog.at_level(logging.WARNING, logger="fera.partners.service"):
        response = await client.post(CREDENTIALS, json=body, headers=b64(invitation.token_a))

    assert refused(response, "DE*OTH (EMSP)", "not agreed")
    assert seen == []  # refused before calling the claimant back
    assert any(
        "DE*OTH (EMSP)" in r.getMessage() and invitation.partner_id in r.getMessage() for r in caplog.records
    )
    (partner,) = await node.partners.list()
    assert not partner.registered and partner.roles == [] and partner.agreed == [PEE]
    other_role = await client.post(
        CREDENTIALS, json=claim(("DE", "PEE", "CPO")), headers=b64(invitation.token_a)
    )
    assert refused(other_role, "DE*PEE (CPO)")
    accepted = await client.post(
        CREDENTIALS, json=claim(("de", "pee", "EMSP")), headers=b64(invitation.token_a)
    )
    assert accepted.json()["status_code"] == 1000
    (role,) = (await node.partners.list())[0].roles
    assert role.party.is_(PEE.country_code, PEE.party_id) and role.role is PEE.role  # the agreed party
    assert (role.country_code, role.party_id) == ("de", "pee")  # kept as registered (a CiString)


async def test_first_registration_fixes_the_parties_and_the_operator_adds_more(
    node: Node, client: httpx.AsyncClient, peer_routes: dict[str, PeerHandler]
) -> None:
    healthy_peer(peer_routes)
    invitation = await node.partners.invite("peer")  # names no parties
    first = await client.post(CREDENTIALS, json=claim(("DE", "PEE", "EMSP")), headers=b64(invitation.token_a))
    token_c = first.json()["data"]["token"]
    wider = claim(("DE", "PEE", "EMSP"), ("DE", "PE2", "EMSP"), token="token-b2")

    grab = await client.put(CREDENTIALS, json=wider, headers=b64(token_c))

    assert refused(grab, "DE*PE2 (EMSP)")
    (partner,) = await node.partners.list()
    assert partner.agreed == [PEE] and partner.outbound_token == "token-b"  # nothing changed
    assert (await client.get("/ocpi/versions", headers=b64(token_c))).status_code == 200
    await node.partners.add_party(partner.id, Party("DE", "PE2", Role.EMSP))
    allowed = await client.put(CREDENTIALS, json=wider, headers=b64(token_c))
    assert allowed.json()["status_code"] == 1000
    (partner,) = await node.partners.list()
    assert [str(r.party) for r in partner.roles] == ["DE*PEE (EMSP)", "DE*PE2 (EMSP)"]
    narrower = await client.put(
        CREDENTIALS, json=claim(("DE", "PE2", "EMSP")), headers=b64(allowed.json()["data"]["token"])
    )
    assert narrower.json()["status_code"] == 1000  # dropping a party is the partner's own business


async def test_nobody_claims_our_parties_or_another_partners(
    node: Node, client: httpx.AsyncClient, peer_routes: dict[str, PeerHandler]
) -> None:
    healthy_peer(peer_routes)
    await registered_partner(node, "EMSP", "MSP")  # NL*MSP is another partner's
    for parties, words in (
        ((("NL", "MSP", "EMSP"),), ("NL*MSP (EMSP)", "another partner")),
        ((("NL", "MSP", "OTHER"),), ("NL*MSP (OTHER)", "another partner")),  # the pair, whatever the role
        ((("NL", "CPO", "EMSP"),), ("NL*CPO (EMSP)", "this platform")),
    ):
        invitation = await node.partners.invite("open")
        response = await client.post(CREDENTIALS, json=claim(*parties), headers=b64(invitation.token_a))
        assert refused(response, *words)
    with pytest.raises(InvalidParameters, match="another partner"):
        await node.partners.invite("x", [Party("NL", "MSP", Role.EMSP)])
    with pytest.raises(InvalidParameters, match="this platform"):
        await node.partners.invite("x", [Party("NL", "SCS", Role.SCSP)])


async def test_the_previous_token_works_for_the_grace_window_then_dies(
    node: Node, client: httpx.AsyncClient, peer_routes: dict[str, PeerHandler]
) -> None:
    healthy_peer(peer_routes)
    invitation = await node.partners.invite("peer")
    token_c = (
        await client.post(CREDENTIALS, json=claim(("DE", "PEE", "EMSP")), headers=b64(invitation.token_a))
    ).json()["data"]["token"]
    before = datetime.now(UTC)

    new_c = (
        await client.put(CREDENTIALS, json=claim(("DE", "PEE", "EMSP"), token="b2"), headers=b64(token_c))
    ).json()["data"]["token"]

    (partner,) = await node.partners.list()
    assert partner.previous_token_hash == hash_token(token_c) and partner.previous_token_until is not None
    assert (
        before + timedelta(seconds=60)
        <= partner.previous_token_until
        <= datetime.now(UTC) + timedelta(seconds=60)
    )
    for token in (token_c, new_c):  # both work in the window (the default 60 s)
        assert (await client.get("/ocpi/2.2.1/credentials", headers=b64(token))).status_code == 200
    until = partner.previous_token_until

    def at(moment: datetime) -> PartnerService:  # the same store, read at another time
        identity = Identity(node.base_url + "/ocpi/versions", ())
        versions, credentials = VersionsClient(node.peer), CredentialsClient(node.peer)
        return PartnerService(node.database, identity, versions, credentials, now=lambda: moment)

    assert await at(until - timedelta(seconds=1)).resolve(hash_token(token_c)) is not None
    assert await at(until).resolve(hash_token(token_c)) is None
    assert await at(until + timedelta(days=1)).resolve(hash_token(new_c)) is not None


async def test_as_initiator_we_keep_only_agreed_roles_from_the_answer(
    node: Node, peer_routes: dict[str, PeerHandler], caplog: pytest.LogCaptureFixture
) -> None:
    """We register with (and rotate at) a peer whose answers claim more than they may: we drop those roles."""
    healthy_peer(peer_routes)
    answers = [
        claim(("DE", "PEE", "EMSP"), ("NL", "CPO", "EMSP"), token="c1"),  # ours: never theirs
        claim(("DE", "PEE", "EMSP"), ("DE", "PE2", "EMSP"), token="c2"),  # not agreed after the first
        claim(("DE", "PEE", "EMSP"), ("DE", "PE2", "EMSP"), token="c3"),  # agreed by then
    ]

    def credentials(request: httpx.Request) -> httpx.Response:
        return envelope(answers.pop(0))

    peer_routes["http://peer.test/creds"] = credentials
    with caplog.at_level(logging.WARNING, logger="fera.partners.service"):
        partner = await node.partners.register_with(PEER_VERSIONS, "token-a", "peer")
        assert [str(p) for p in partner.parties()] == ["DE*PEE (EMSP)"] and partner.agreed == [PEE]
        rotated = await node.partners.rotate(partner.id)
    assert [str(p) for p in rotated.parties()] == ["DE*PEE (EMSP)"] and rotated.outbound_token == "c2"
    dropped = [r.getMessage() for r in caplog.records]
    assert any("NL*CPO (EMSP)" in m for m in dropped) and any("DE*PE2 (EMSP)" in m for m in dropped)
    await node.partners.add_party(partner.id, Party("DE", "PE2", Role.EMSP))
    again = await node.partners.rotate(partner.id)
    assert [str(p) for p in again.parties()] == ["DE*PEE (EMSP)", "DE*PE2 (EMSP)"]
