"""A driver delegated to the SCSP (topology B) states departure and need to the SCSP: it plans with them and
sends them over OCPI to the eMSP, which sends them on to the CPO; the driver gets the CPO's answer."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from fera.config import ContractConfig, DelegationConfig
from fera.ocpi.types import format_datetime
from fera.sessions_events import PreferencesChanged
from tests.integration.chargingprofiles.setup import forwarded_session
from tests.integration.stations.stage import Recorder
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(90)
ADMIN = "admin-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {ADMIN}"}
DRIVERS = "/fera/admin/drivers"


async def chain(node_factory: NodeFactory) -> tuple[RunningNode, RunningNode, str, str, str]:
    """CPO <- eMSP <- SCSP, and the CPO's contract with the SCSP for LOC1: the SCSP receives the driver's
    session twice, under the eMSP's id and under the CPO's."""
    cpo = await node_factory(
        role("CPO", party="CPO"), name="cpo", contracts=[ContractConfig(scsp="NL*SCS", locations=["LOC1"])]
    )
    emsp = await node_factory(
        role("EMSP", party="MSP"), name="emsp", delegations=[DelegationConfig(scsp="NL*SCS")]
    )
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", admin_token=ADMIN)
    cpo_at_emsp, _ = await connect(emsp, cpo)
    emsp_at_scsp, _ = await connect(scsp, emsp)
    cpo_at_scsp, _ = await connect(scsp, cpo)
    forwarded_id = await forwarded_session(cpo, emsp, cpo_at_emsp.id)
    planner = scsp.node.planner
    assert planner is not None and {(emsp_at_scsp.id, forwarded_id), (cpo_at_scsp.id, "S1")} <= set(
        planner.known
    )
    return cpo, scsp, emsp_at_scsp.id, forwarded_id, cpo_at_scsp.id


async def test_preferences_stated_to_the_scsp_reach_the_cpo_through_the_emsp(
    node_factory: NodeFactory,
) -> None:
    cpo, scsp, emsp_id, forwarded_id, cpo_id = await chain(node_factory)
    stated = Recorder(cpo.node.events, PreferencesChanged)
    departure = scsp.node.clock.now().replace(microsecond=0) + timedelta(hours=3)
    body = {"profile_type": "REGULAR", "departure_time": format_datetime(departure), "energy_need": 12.5}
    async with httpx.AsyncClient() as http:
        reply = await http.put(
            f"{scsp.url}/fera/admin/preferences/{emsp_id}/{forwarded_id}", json=body, headers=AUTH
        )
    assert reply.status_code == 200
    assert {k: v for k, v in reply.json().items() if k != "timestamp"} == {
        "data": "ACCEPTED",  # the CPO's ChargingPreferencesResponse, relayed by the eMSP
        "status_code": 1000,
        "status_message": "Success",
    }
    at_cpo = await stated.wait(lambda e: e.session_id == "S1", within_s=30)
    assert at_cpo.preferences.to_wire() == body  # under the CPO's own session id
    planner = scsp.node.planner
    assert planner is not None
    assert planner.known[(emsp_id, forwarded_id)].preferences is not None
    await planner.settle()
    assert planner.latest is not None
    (planned,) = planner.latest.problem.sessions  # the charge once, over the CPO's path, with the departure
    assert planned.id == f"{cpo_id}/S1" and planned.departure == departure and not planned.estimated


async def test_the_cpo_answer_is_the_drivers_and_a_contract_session_stays_with_the_scsp(
    node_factory: NodeFactory,
) -> None:
    cpo, scsp, emsp_id, forwarded_id, cpo_id = await chain(node_factory)
    departure = scsp.node.clock.now().replace(microsecond=0) + timedelta(hours=1)
    too_much = {"profile_type": "REGULAR", "departure_time": format_datetime(departure), "energy_need": 500}
    fine = too_much | {"energy_need": 10}
    async with httpx.AsyncClient() as http:
        refused = await http.put(
            f"{scsp.url}/fera/admin/preferences/{emsp_id}/{forwarded_id}", json=too_much, headers=AUTH
        )
        contract = await http.put(f"{scsp.url}/fera/admin/preferences/{cpo_id}/S1", json=fine, headers=AUTH)
        unknown = await http.put(f"{scsp.url}/fera/admin/preferences/{emsp_id}/NOPE", json=fine, headers=AUTH)
    assert refused.json()["data"] == "NOT_POSSIBLE"  # 500 kWh in an hour: the CPO's word, not ours
    assert contract.status_code == 200 and "data" not in contract.json()  # OCPI has no way on: only ours
    assert unknown.status_code == 404 and unknown.json()["status_code"] == 2000


async def test_a_drivers_app_states_by_token_to_the_scsp(node_factory: NodeFactory) -> None:
    """The app knows its user's token, not the session ids: every copy of the charge takes them."""
    cpo, scsp, emsp_id, forwarded_id, cpo_id = await chain(node_factory)
    stated = Recorder(cpo.node.events, PreferencesChanged)
    departure = scsp.node.clock.now().replace(microsecond=0) + timedelta(hours=2)
    body = {"profile_type": "REGULAR", "departure_time": format_datetime(departure), "energy_need": 8.0}
    async with httpx.AsyncClient() as http:
        reply = await http.put(f"{scsp.url}{DRIVERS}/TOK1/charging_preferences", json=body, headers=AUTH)
        nobody = await http.put(f"{scsp.url}{DRIVERS}/NOBODY/charging_preferences", json=body, headers=AUTH)
    assert reply.json()["data"] == "ACCEPTED"
    assert nobody.status_code == 404 and nobody.json()["status_code"] == 2000
    assert (await stated.wait(lambda e: e.session_id == "S1", within_s=30)).preferences.to_wire() == body
    planner = scsp.node.planner
    assert planner is not None
    for key in ((emsp_id, forwarded_id), (cpo_id, "S1")):
        stored = planner.known[key].preferences
        assert stored is not None and stored.to_wire() == body
