"""CPO -> eMSP/SCSP: sessions created by the domain API are pushed (PUT, then PATCH) and stored as sent."""

from __future__ import annotations

from datetime import timedelta

import httpx

from fera.ocpi.locations.models import Status
from fera.sessions_events import LocationChanged, SessionChanged
from tests.integration.test_sessions_support import T0, auth, ex_of, location, outbound_token, token, trio
from tests.nodes import NodeFactory


async def test_session_lifecycle_is_pushed_to_the_emsp_and_the_contracted_scsp(
    node_factory: NodeFactory,
) -> None:
    t = await trio(node_factory)
    seen: list[SessionChanged] = []

    async def listen(event: SessionChanged) -> None:
        seen.append(event)

    t.emsp.node.events.subscribe(SessionChanged, listen)
    await t.c.locations.put_location(location("LOC1"))
    await t.c.sessions.start_session(
        session_id="S1", token=token(), location_id="LOC1", evse_uid="LOC1-E1", connector_id="1", at=T0
    )
    await t.c.sessions.meter_values(
        "S1", kwh=2.5, at=T0 + timedelta(minutes=15), power_kw=10.0, current_a=14.5
    )
    await t.c.sessions.meter_values("S1", kwh=5.0, at=T0 + timedelta(minutes=30), power_kw=10.0)
    final = await t.c.sessions.stop_session("S1", at=T0 + timedelta(minutes=40), kwh=6.0)
    await t.settle()

    async with httpx.AsyncClient() as http:
        got = await http.get(
            t.emsp.url + "/ocpi/2.2.1/receiver/sessions/NL/CPO/S1",
            headers=auth(await outbound_token(t.cpo, "EMS")),
        )
    assert got.status_code == 200 and got.json()["status_code"] == 1000
    data = got.json()["data"]
    assert data == final.to_wire()
    assert (
        data["status"] == "COMPLETED"
        and data["kwh"] == 6.0
        and data["end_date_time"] == "2030-01-01T08:40:00Z"
    )
    assert [p["start_date_time"] for p in data["charging_periods"]] == [
        "2030-01-01T08:00:00Z",
        "2030-01-01T08:15:00Z",
        "2030-01-01T08:30:00Z",
    ]
    assert data["charging_periods"][0]["dimensions"] == [
        {"type": "ENERGY", "volume": 2.5},
        {"type": "POWER", "volume": 10.0},
        {"type": "CURRENT", "volume": 14.5},
    ]
    assert [e.patch is None for e in seen] == [True, False, False, False]  # one PUT, then PATCHes
    async with ex_of(t.scsp).store.unit_of_work() as uow:
        at_scsp = await uow.sessions.get("NL", "CPO", "S1")
    assert at_scsp is not None and at_scsp.session == final
    assert ex_of(t.cpo).pusher.failures == 0


async def test_location_and_evse_status_are_pushed(node_factory: NodeFactory) -> None:
    t = await trio(node_factory)
    changes: list[LocationChanged] = []

    async def listen(event: LocationChanged) -> None:
        changes.append(event)

    t.scsp.node.events.subscribe(LocationChanged, listen)
    await t.c.locations.put_location(location("LOC1"))
    await t.c.locations.put_location(location("LOC2"))  # not under the SCSP's contract
    await t.c.locations.set_evse_status("LOC1", "LOC1-E1", Status.CHARGING, at=T0)
    await t.settle()

    async with ex_of(t.emsp).store.unit_of_work() as uow:
        loc1, loc2 = (
            await uow.locations.get("NL", "CPO", "LOC1"),
            await uow.locations.get("NL", "CPO", "LOC2"),
        )
    assert loc1 is not None and loc2 is not None
    evse = (loc1.location.evses or [])[0]
    assert evse.status is Status.CHARGING and evse.last_updated == T0 and loc1.location.last_updated == T0
    assert [(c.location.id, c.source_partner_id is not None) for c in changes] == [
        ("LOC1", True),
        ("LOC1", True),
    ]
