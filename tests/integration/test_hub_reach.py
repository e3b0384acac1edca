"""Through a hub, only to whom the hub can deliver: parties whose ClientInfo says CONNECTED, and only while
the hub itself answers its still-alive check (OCPI 2.2.1 mod_hub_client_info, "Scenarios")."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fera.cpo import cpo_of
from fera.emsp import emsp_of
from fera.partners.reach import hub_down
from fera.smartcharging.model import RequestState
from tests.integration.authz_world import emsp_token
from tests.integration.chargingprofiles.setup import amps
from tests.integration.hub import FakeHub, call_fera, running_hub
from tests.integration.test_hub import EMSP, RECEIVER, client_info, pushed, registered, session_json
from tests.integration.test_sessions_support import location, settle, token
from tests.nodes import NodeFactory, RunningNode, role

CPO = ("NL", "CPO")


async def announce(hub: FakeHub, node: RunningNode, party: str, role_: str, status: str) -> None:
    """The hub pushes one ClientInfo to the node."""
    url = f"{node.url}/ocpi/2.2.1/receiver/hubclientinfo/NL/{party}"
    info = client_info(party, role_) | {"status": status}
    answer = await call_fera(hub, "PUT", url, info, from_party=None, to=CPO)
    assert answer.status_code in (200, 201) and answer.json()["status_code"] == 1000


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 60) -> None:
    """Poll `condition` (a loaded machine may take a while) until it holds."""
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.05)


async def test_sessions_only_to_connected_parties(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    statuses = {"EMS": "CONNECTED", "OFF": "OFFLINE", "PLA": "PLANNED", "SUS": "SUSPENDED"}
    async with running_hub([]) as hub:
        await registered(cpo, hub)
        for party, status in statuses.items():
            await announce(hub, cpo, party, "EMSP", status)
        await cpo_of(cpo.node).locations.put_location(location("LOC1"))
        for party in statuses:
            await cpo_of(cpo.node).sessions.start_session(
                token=token(party), location_id="LOC1", evse_uid="LOC1-E1", connector_id="1", session_id=party
            )
        await settle(cpo)
    assert pushed(hub, "sessions") == [("/ocpi/2.2.1/receiver/sessions/NL/CPO/EMS", "NL", "EMS")]


async def test_broadcasts_skip_a_hub_with_no_receiver_connected(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    async with running_hub([]) as hub:
        await registered(cpo, hub)
        await announce(hub, cpo, "EMS", "EMSP", "OFFLINE")
        await announce(hub, cpo, "CP2", "CPO", "CONNECTED")  # connected, but no Locations receiver
        await cpo_of(cpo.node).locations.put_location(location("LOC1"))
        await settle(cpo)
        skipped = pushed(hub, "locations")
        await announce(hub, cpo, "EMS", "EMSP", "CONNECTED")
        await cpo_of(cpo.node).locations.put_location(location("LOC2"))
        await settle(cpo)
    assert skipped == []
    assert pushed(hub, "locations") == [("/ocpi/2.2.1/receiver/locations/NL/CPO/LOC2", "DE", "hUb")]


async def test_tokens_are_not_broadcast_to_planned_cpos(node_factory: NodeFactory) -> None:
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    async with running_hub([]) as hub:
        await registered(emsp, hub)
        await announce(hub, emsp, "CPA", "CPO", "PLANNED")
        await emsp_of(emsp.node).tokens.put_token(emsp_token("T1"))
        await settle(emsp)
        skipped = pushed(hub, "tokens")
        await announce(hub, emsp, "CPB", "CPO", "CONNECTED")
        await emsp_of(emsp.node).tokens.put_token(emsp_token("T2"))
        await settle(emsp)
    assert skipped == []
    assert pushed(hub, "tokens") == [("/ocpi/2.2.1/receiver/tokens/NL/EMS/T2", "DE", "hUb")]


async def test_no_profile_is_sent_to_a_cpo_the_hub_says_is_offline(node_factory: NodeFactory) -> None:
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp", plan_sessions=False)
    sender = emsp.node.profile_sender
    assert sender is not None
    async with running_hub([]) as hub:
        hub_id = await registered(emsp, hub)
        url = f"{emsp.url}{RECEIVER}/sessions/NL/CPA/S1"
        put = await call_fera(hub, "PUT", url, session_json("S1"), from_party=("NL", "CPA"), to=EMSP)
        assert put.status_code == 201
        await announce(hub, emsp, "CPA", "CPO", "OFFLINE")
        refused = await sender.set_profile(hub_id, "S1", amps((0, 16.0)))
        unsent = pushed(hub, "chargingprofiles")
        await announce(hub, emsp, "CPA", "CPO", "CONNECTED")
        accepted = await sender.set_profile(hub_id, "S1", amps((0, 16.0)))
    assert (refused.state, unsent) == (RequestState.FAILED, [])
    assert refused.error is not None and "NL*CPA (CPO) is OFFLINE at the hub" in refused.error
    assert accepted.response == "ACCEPTED"
    assert pushed(hub, "chargingprofiles") == [("/ocpi/2.2.1/receiver/chargingprofiles/S1", "NL", "CPA")]


async def test_a_hub_failing_its_still_alive_check_is_sent_nothing(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", hub_still_alive_s=1)
    locations = cpo_of(cpo.node).locations

    async def down() -> bool:
        return any(hub_down(p) for p in await cpo.node.partners.list())

    async with running_hub([]) as hub:
        await registered(cpo, hub)
        pulls = len([r for r in hub.relayed if r.path.endswith("/hubclientinfo")])
        hub.alive = False
        await until(down)  # it failed its still-alive check
        await locations.put_location(location("LOC1"))
        await settle(cpo)
        while_down = pushed(hub, "locations")
        hub.alive = True

        async def back_in_sync() -> bool:
            resynced = len([r for r in hub.relayed if r.path.endswith("/hubclientinfo")]) > pulls
            return resynced and not await down()

        await until(back_in_sync)  # it answers again and was pulled
        await locations.put_location(location("LOC2"))
        await settle(cpo)
    assert while_down == []
    assert pushed(hub, "locations") == [("/ocpi/2.2.1/receiver/locations/NL/CPO/LOC2", "DE", "hUb")]
