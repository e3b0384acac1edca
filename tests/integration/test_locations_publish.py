"""Locations with `publish` false reach only partners holding a token `publish_allowed_to` names (and the
SCSP whose contract names them): in the CPO's pushes, its list and its single-object GET."""

from __future__ import annotations

import httpx

from fera.cpo import cpo_of
from fera.emsp import emsp_of
from fera.ocpi.locations.models import Location
from fera.sessions_events import TokenChanged
from fera.store.records import Visibility, Window
from tests.integration.authz_world import emsp_token
from tests.integration.stations.stage import Recorder
from tests.integration.test_sessions_support import auth, ex_of, location_json, outbound_token, settle
from tests.nodes import NodeFactory, RunningNode, connect, role

SENDER = "/ocpi/2.2.1/sender/locations"


async def stored_ids(node: RunningNode) -> list[str]:
    async with node.node.database.unit_of_work() as uow:
        partner = (await node.node.partners.list())[0]
        page = await uow.locations.page(partner.id, Visibility(all_locations=True), Window(0, 100))
    return sorted(loc.id for loc in page.items)


async def listed(cpo: RunningNode, partner: RunningNode) -> tuple[list[str], int]:
    """The CPO's list and its GET of HIDDEN, as the partner calls them."""
    async with httpx.AsyncClient(timeout=10) as client:
        headers = auth(await outbound_token(partner, "CPO"))
        page = await client.get(cpo.url + SENDER, headers=headers)
        single = await client.get(cpo.url + SENDER + "/HIDDEN", headers=headers)
    return sorted(loc["id"] for loc in page.json()["data"]), single.status_code


async def test_unpublished_location_is_for_the_named_tokens_holders(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO"), name="cpo", contracts=[{"scsp": "NL*SCS", "locations": ["HIDDEN"]}])
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    other = await node_factory(role("EMSP", party="OTH"), name="other")
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", plan_sessions=False)
    for partner in (emsp, other, scsp):
        await connect(partner, cpo)
    received = Recorder(cpo.node.events, TokenChanged)
    await emsp_of(emsp.node).tokens.put_token(emsp_token("T1"))
    await received.wait(lambda e: e.token.uid == "T1")
    hidden = location_json("HIDDEN") | {
        "publish": False,
        "publish_allowed_to": [{"uid": "t1", "type": "RFID"}],
    }
    await cpo_of(cpo.node).locations.put_location(Location.model_validate(hidden))
    await cpo_of(cpo.node).locations.put_location(Location.model_validate(location_json("OPEN")))
    await ex_of(cpo).pusher.drain()
    await settle(cpo, emsp, other, scsp)

    assert await stored_ids(emsp) == ["HIDDEN", "OPEN"]
    assert await stored_ids(other) == ["OPEN"]
    assert await stored_ids(scsp) == ["HIDDEN"]  # its contract names it
    assert await listed(cpo, emsp) == (["HIDDEN", "OPEN"], 200)
    assert await listed(cpo, other) == (["OPEN"], 404)
    assert await listed(cpo, scsp) == (["HIDDEN"], 200)
