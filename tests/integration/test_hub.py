"""Behind a hub: FERA keeps the objects of the parties behind it, knows them from ClientInfo, and relays the
ids it did not issue exactly as received (a CiString compares case-insensitively but is never rewritten)."""

from __future__ import annotations

from typing import Any

import httpx

from fera.config import DelegationConfig
from fera.cpo import cpo_of
from fera.cpo.stations import StationAuthorizer
from fera.emsp import emsp_of
from fera.ocpi.sessions.models import AuthMethod
from fera.ocpi.types import Role
from fera.store.records import Visibility, Window
from tests.integration.authz_world import emsp_token
from tests.integration.chargingprofiles.setup import amps
from tests.integration.hub import TOKEN_A, FakeHub, call_fera, running_hub
from tests.integration.test_sessions_support import (
    auth,
    ex_of,
    location,
    location_json,
    outbound_token,
    settle,
    token,
)
from tests.nodes import NodeFactory, RunningNode, connect, role

EMSP = ("NL", "EMS")
RECEIVER = "/ocpi/2.2.1/receiver"


def hub_locations() -> list[dict[str, Any]]:
    """25 locations of each of two CPO parties behind the hub."""
    return [
        location_json(f"LOC-{party}-{i:02}") | {"party_id": party}
        for party in ("CPA", "CPB")
        for i in range(25)
    ]


def session_json(session_id: str) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "CPA",
        "id": session_id,
        "start_date_time": "2030-01-01T07:00:00Z",
        "kwh": 0,
        "cdr_token": {
            "country_code": "NL",
            "party_id": "EMS",
            "uid": "TOK1",
            "type": "RFID",
            "contract_id": "NL-EMS-C1",
        },
        "auth_method": "WHITELIST",
        "location_id": "LOC-CPA-00",
        "evse_uid": "LOC-CPA-00-E1",
        "connector_id": "1",
        "currency": "EUR",
        "status": "ACTIVE",
        "last_updated": "2030-01-01T07:00:00Z",
    }


def client_info(party: str, role_: str = "CPO") -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": party,
        "role": role_,
        "status": "CONNECTED",
        "last_updated": "2030-01-01T07:00:00Z",
    }


async def registered(emsp: RunningNode, hub: FakeHub) -> str:
    partner = await emsp.node.partners.register_with(hub.versions_url, TOKEN_A, name="hub")
    assert [(r.role, r.party_id) for r in partner.roles] == [(Role.HUB, "hUb")]  # kept as registered
    await settle(emsp)
    return partner.id


async def test_sync_keeps_the_locations_of_the_parties_behind_the_hub(node_factory: NodeFactory) -> None:
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    async with running_hub(hub_locations(), [client_info("CPA"), client_info("CPB")]) as hub:
        hub_id = await registered(emsp, hub)
    async with ex_of(emsp).store.unit_of_work() as uow:
        page = await uow.locations.page(hub_id, Visibility(all_locations=True), Window(0, 1000))
        behind = await uow.hub_client_infos.of_hub(hub_id)
    assert [(i.party_id, i.role) for i in behind] == [("CPA", Role.CPO), ("CPB", Role.CPO)]
    (pulled,) = [r for r in hub.relayed if r.path.endswith("/hubclientinfo")]
    assert not any(h.startswith("ocpi-") for h in pulled.headers)  # a configuration module
    assert page.total == 50
    assert sorted({(loc.party_id, loc.id) for loc in page.items})[::25] == [
        ("CPA", "LOC-CPA-00"),
        ("CPB", "LOC-CPB-00"),
    ]


async def test_client_info_is_stored_and_read_back(node_factory: NodeFactory) -> None:
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    url = f"{emsp.url}/ocpi/2.2.1/receiver/hubclientinfo/NL/CPB"
    async with running_hub([]) as hub:
        await registered(emsp, hub)
        async with httpx.AsyncClient(timeout=10) as client:
            created = await client.put(url, json=client_info("CPB"), headers=hub.auth())
            updated = await client.put(
                url, json=client_info("CPB") | {"status": "OFFLINE"}, headers=hub.auth()
            )
            got = await client.get(url.replace("CPB", "cpb"), headers=hub.auth())
            unknown = await client.get(url.replace("CPB", "XYZ"), headers=hub.auth())
            mismatch = await client.put(url, json=client_info("CPC"), headers=hub.auth())
    assert (created.status_code, updated.status_code) == (201, 200)
    assert got.json()["data"] == client_info("CPB") | {"status": "OFFLINE"}
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2000)
    assert mismatch.json()["status_code"] == 2001


async def test_only_a_hub_sends_client_info(node_factory: NodeFactory) -> None:
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    await connect(emsp, cpo)
    url = f"{emsp.url}/ocpi/2.2.1/receiver/hubclientinfo/NL/CPB"
    async with httpx.AsyncClient(timeout=10) as client:
        refused = await client.put(
            url, json=client_info("CPB"), headers=auth(await outbound_token(cpo, "EMS"))
        )
    assert (refused.status_code, refused.json()["status_code"]) == (200, 2001)


async def test_pushes_of_parties_behind_the_hub(node_factory: NodeFactory) -> None:
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    async with running_hub([]) as hub:
        await registered(emsp, hub)
        loc_url = f"{emsp.url}{RECEIVER}/locations/NL/CPA/LOC-CPA-07"
        body = location_json("LOC-CPA-07") | {"party_id": "CPA"}
        routed = await call_fera(hub, "PUT", loc_url, body, from_party=("NL", "CPA"), to=EMSP)
        unrouted = await call_fera(hub, "PUT", loc_url, body, from_party=None, to=EMSP)
        await call_fera(
            hub,
            "PUT",
            f"{emsp.url}/ocpi/2.2.1/receiver/hubclientinfo/NL/CPA",
            client_info("CPA"),
            from_party=None,
            to=EMSP,
        )
        announced = await call_fera(hub, "PUT", loc_url, body, from_party=None, to=EMSP)
    assert routed.status_code == 201 and routed.json()["status_code"] == 1000
    assert unrouted.status_code == 404  # neither routed for NL*CPA nor announced: another party's object
    assert announced.status_code == 200 and announced.json()["status_code"] == 1000


async def test_relayed_session_id_is_the_cpos_exactly(node_factory: NodeFactory) -> None:
    emsp = await node_factory(
        role("EMSP", party="EMS"), name="emsp", delegations=[DelegationConfig(scsp="NL*SCS")]
    )
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", plan_sessions=False)
    emsp_at_scsp, _ = await connect(scsp, emsp)
    async with running_hub([]) as hub:
        hub_id = await registered(emsp, hub)
        put = await call_fera(
            hub,
            "PUT",
            f"{emsp.url}{RECEIVER}/sessions/NL/CPA/MOCK-2601940c",
            session_json("MOCK-2601940c"),
            from_party=("NL", "CPA"),
            to=EMSP,
        )
        assert put.status_code == 201
        await settle(emsp)
        async with emsp.node.database.unit_of_work() as uow:
            (forward,) = await uow.forwards.by_source(hub_id, "nl", "cpa", "mock-2601940C")
        assert forward.session_id == "MOCK-2601940c"
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.put(
                # our own id, sent back upper-cased: still ours (a CiString)
                f"{emsp.url}/ocpi/2.2.1/sender/sessions/{forward.id.upper()}/charging_preferences",
                json={"profile_type": "FAST"},
                headers=auth(await outbound_token(scsp, "EMS")),
            )
        sender = scsp.node.profile_sender
        assert sender is not None
        profile = await sender.set_profile(emsp_at_scsp.id, forward.id, amps((0, 16.0)))
    assert answer.json()["data"] == "ACCEPTED"
    assert profile.response == "ACCEPTED"  # the CPO's answer, through the hub and the eMSP
    assert pushed(hub, "chargingprofiles") == [
        ("/ocpi/2.2.1/receiver/chargingprofiles/MOCK-2601940c", "NL", "CPA")
    ]
    (relayed,) = [r for r in hub.relayed if r.path.endswith("/charging_preferences")]
    assert relayed.path == "/ocpi/2.2.1/sessions/MOCK-2601940c/charging_preferences"
    headers = {k: v for k, v in relayed.headers.items() if k.startswith("ocpi-")}
    assert headers == {
        "ocpi-from-country-code": "NL",
        "ocpi-from-party-id": "EMS",
        "ocpi-to-country-code": "NL",
        "ocpi-to-party-id": "CPA",
    }


def pushed(hub: FakeHub, module: str) -> list[tuple[str, str, str]]:
    """(path, OCPI-to-country-code, OCPI-to-party-id) of what was pushed to the hub's `module` Receiver."""
    return [
        (r.path, r.headers["ocpi-to-country-code"], r.headers["ocpi-to-party-id"])
        for r in hub.relayed
        if r.path.startswith(f"/ocpi/2.2.1/receiver/{module}/")
    ]


async def test_cpo_addresses_the_parties_behind_the_hub(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    async with running_hub([]) as hub:
        await registered(cpo, hub)
        for party, status in (("EMS", "CONNECTED"), ("OFF", "OFFLINE")):
            info = client_info(party, "EMSP") | {"status": status}
            url = f"{cpo.url}/ocpi/2.2.1/receiver/hubclientinfo/NL/{party}"
            assert (
                await call_fera(hub, "PUT", url, info, from_party=None, to=("NL", "CPO"))
            ).status_code == 201
        await cpo_of(cpo.node).locations.put_location(location("LOC1"))
        for n, party in enumerate(("EMS", "OFF", "ZZZ")):
            await cpo_of(cpo.node).sessions.start_session(
                token=token(party),
                location_id="LOC1",
                evse_uid="LOC1-E1",
                connector_id="1",
                session_id=f"S{n}",
            )
        await settle(cpo)
        sessions_url = f"{cpo.url}/ocpi/2.2.1/sender/sessions?date_from=2000-01-01T00:00:00Z"
        for_ems = await call_fera(hub, "GET", sessions_url, None, from_party=("NL", "EMS"), to=("NL", "CPO"))
        for_hub = await call_fera(hub, "GET", sessions_url, None, from_party=None, to=("NL", "CPO"))
    # A hub sees what the party it routes for sees; on its own account, what every party behind it sees.
    assert [s["id"] for s in for_ems.json()["data"]] == ["S0"]
    assert [s["id"] for s in for_hub.json()["data"]] == ["S0", "S1"]
    # Locations: a broadcast push (OCPI-to the hub); a session: to its token's eMSP, if the hub reaches it.
    assert pushed(hub, "locations") == [("/ocpi/2.2.1/receiver/locations/NL/CPO/LOC1", "DE", "hUb")]
    assert pushed(hub, "sessions") == [("/ocpi/2.2.1/receiver/sessions/NL/CPO/S0", "NL", "EMS")]


async def test_emsp_tokens_are_broadcast_through_the_hub(node_factory: NodeFactory) -> None:
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    async with running_hub([]) as hub:
        await registered(emsp, hub)
        await emsp_of(emsp.node).tokens.put_token(emsp_token("T1"))
        await settle(emsp)
    assert pushed(hub, "tokens") == [("/ocpi/2.2.1/receiver/tokens/NL/EMS/T1", "DE", "hUb")]


async def test_unknown_tag_is_asked_through_the_hub_by_open_routing(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    async with running_hub([]) as hub:
        hub.known_tag = emsp_token("VIAHUB").to_wire()
        await registered(cpo, hub)
        authorizer = StationAuthorizer(ex_of(cpo))
        known = await authorizer.authorize("VIAHUB", None)
        unknown = await authorizer.authorize("NOBODY", None)
    assert known is not None and known.token.uid == "VIAHUB"
    assert (known.auth_method, known.authorization_reference) == (AuthMethod.AUTH_REQUEST, "REF-1")
    assert unknown is None
    asked = [r for r in hub.relayed if r.path.endswith("/authorize")]
    assert [r.path for r in asked] == [
        "/ocpi/2.2.1/tokens/VIAHUB/authorize",
        "/ocpi/2.2.1/tokens/NOBODY/authorize",
    ]
    assert all(
        "ocpi-to-party-id" not in r.headers and r.headers["ocpi-from-party-id"] == "CPO" for r in asked
    )
