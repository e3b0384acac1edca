"""The SCSP's live loop over real nodes: plan every session, send profiles, re-plan on a capacity drop."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from fera.config import ContractConfig
from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.ocpi.sessions.models import CdrToken
from fera.ocpi.types import format_datetime
from fera.scsp.planning_state import band_csv, band_rows
from tests.integration.chargingprofiles.setup import location
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(90)
ADMIN = "admin-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {ADMIN}"}


async def setup(node_factory: NodeFactory) -> tuple[RunningNode, RunningNode, str]:
    cpo = await node_factory(
        role("CPO", party="CPO"), name="cpo", contracts=[ContractConfig(scsp="NL*SCS", locations=["LOC1"])]
    )
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", admin_token=ADMIN)
    cpo_at_scsp, _ = await connect(scsp, cpo)
    await cpo_of(cpo.node).locations.put_location(location(evses=3))
    for i in (1, 2, 3):
        token = CdrToken(
            country_code="NL", party_id="MSP", uid=f"T{i}", type="RFID", contract_id=f"NL-MSP-{i}"
        )
        await cpo_of(cpo.node).sessions.start_session(
            token=token, location_id="LOC1", evse_uid=f"LOC1-E{i}", connector_id="1", session_id=f"S{i}"
        )
    await exchange_of(cpo.node).pusher.drain()
    return cpo, scsp, cpo_at_scsp.id


async def capacity(scsp: RunningNode, kw: float) -> None:
    now = scsp.node.clock.now()
    forecast = {
        "group_id": "LOC1",
        "blocks": [
            {
                "capacity": kw,
                "unit": "KW",
                "start_time": format_datetime(now - timedelta(hours=1)),
                "end_time": format_datetime(now + timedelta(days=1)),
            }
        ],
    }
    async with httpx.AsyncClient() as http:
        response = await http.put(scsp.url + "/fera/admin/capacity", json=forecast, headers=AUTH)
    assert response.json()["status_code"] == 1000


async def station_watts(cpo: RunningNode) -> list[float]:
    """The limit each station applies now, in W (230 V, three phases)."""
    module = cpo.node.cpo_profiles
    assert module is not None
    await module.applier.drain()
    watts = []
    for i in (1, 2, 3):
        (tx,) = list(module.stations.in_process.stack(f"LOC1-E{i}"))
        watts.append(tx.periods[0].limit * 230 * 3)
    return watts


async def test_plans_within_capacity_and_replans_on_a_drop(node_factory: NodeFactory) -> None:
    cpo, scsp, cpo_id = await setup(node_factory)
    planner = scsp.node.planner
    assert planner is not None and sorted(k[1] for k in planner.known) == ["S1", "S2", "S3"]
    now = scsp.node.clock.now()
    async with httpx.AsyncClient() as http:
        for i in (1, 2, 3):
            prefs = {
                "profile_type": "REGULAR",
                "departure_time": format_datetime(now + timedelta(hours=3)),
                "energy_need": 25,
            }
            put = await http.put(f"{scsp.url}/fera/admin/preferences/{cpo_id}/S{i}", json=prefs, headers=AUTH)
            assert put.json()["status_code"] == 1000
    await capacity(scsp, 30)
    await planner.settle()

    first = await station_watts(cpo)
    assert 0 < sum(first) <= 30_000 + 1
    assert planner.latest is not None and planner.latest.plan.unmet_kwh.sum() < 1e-3  # 3 × 25 kWh fit in 3 h

    await capacity(scsp, 12)
    await planner.settle()
    second = await station_watts(cpo)
    assert 0 < sum(second) <= 12_000 + 1 < sum(first)
    assert planner.latest is not None
    rows = band_rows(planner.latest.forecast.rows, "LOC1")
    assert rows and rows[0]["planned_kw"] <= 12.0 + 1e-6
    assert all(r["min_kw"] <= r["planned_kw"] + 1e-6 <= r["max_kw"] + 2e-6 for r in rows)
    async with httpx.AsyncClient() as http:
        csv = await http.get(scsp.url + "/fera/admin/flexibility?group_id=LOC1&format=csv", headers=AUTH)
        published = await http.get(scsp.url + "/fera/admin/flexibility?group_id=LOC1", headers=AUTH)
    assert csv.text.splitlines()[0] == "group_id,time,planned_w,min_w,max_w"
    assert csv.text == band_csv(planner.latest.forecast.rows, "LOC1")  # published, read from the store
    assert published.json()["data"] == rows


async def test_unchanged_plans_are_not_resent(node_factory: NodeFactory) -> None:
    cpo, scsp, _ = await setup(node_factory)
    planner = scsp.node.planner
    assert planner is not None and scsp.node.profile_sender is not None
    await capacity(scsp, 30)
    await planner.settle()
    await cpo.node.cpo_profiles.applier.drain()  # type: ignore[union-attr]
    before = await sent_requests(scsp)
    planner.poke()  # nothing changed: a re-plan must not send anything
    await planner.settle()
    assert before >= 3 and await sent_requests(scsp) == before


async def sent_requests(scsp: RunningNode) -> int:
    assert scsp.node.planner is not None
    count = 0
    async with scsp.node.database.unit_of_work() as uow:
        for partner_id, session_id in scsp.node.planner.known:
            count += len(await uow.profile_requests.for_session(partner_id, session_id))
    return count


async def test_a_finished_session_teaches_the_arrivals_to_expect(node_factory: NodeFactory) -> None:
    cpo, scsp, _ = await setup(node_factory)
    planner = scsp.node.planner
    assert planner is not None
    await capacity(scsp, 30)
    await planner.settle()
    assert planner.latest is not None and planner.latest.problem.expected == []  # nothing seen yet
    await cpo_of(cpo.node).sessions.stop_session("S1")
    await exchange_of(cpo.node).pusher.drain()
    await planner.settle()
    assert planner.latest is not None
    expected = planner.latest.problem.expected
    assert expected and {e.group_id for e in expected} == {"LOC1"}
    assert all(e.id.startswith("expected:LOC1:") for e in expected)
    assert planner.stats.expected_stay("LOC1", scsp.node.clock.now(), token="T1") >= timedelta(0)
