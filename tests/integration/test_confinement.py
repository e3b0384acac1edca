"""Confinement: a party sees and changes only what it owns or is entitled to; the eMSP's SCSP forwarding."""

from __future__ import annotations

import httpx

from fera.sessions_events import SessionForwarded
from tests.integration.test_sessions_support import (
    auth,
    ex_of,
    location,
    outbound_token,
    partner_id,
    register,
    settle,
    token,
    trio,
)
from tests.nodes import NodeFactory, role

DATE_FROM = {"date_from": "2000-01-01T00:00:00Z"}


async def test_a_second_emsp_and_the_scsp_see_only_their_share(node_factory: NodeFactory) -> None:
    t = await trio(node_factory)
    other = await node_factory(role("EMSP", party="EM2"), name="emsp2")
    await register(other, t.cpo)
    await t.c.locations.put_location(location("LOC1"))
    await t.c.locations.put_location(location("LOC2"))
    for sid, loc in (("S1", "LOC1"), ("S2", "LOC2")):
        await t.c.sessions.start_session(
            session_id=sid, token=token(), location_id=loc, evse_uid=f"{loc}-E1", connector_id="1"
        )
    await settle(t.cpo, t.emsp, t.scsp, other)

    sessions = t.cpo.url + "/ocpi/2.2.1/sender/sessions"
    async with httpx.AsyncClient() as http:
        as_other = auth(await outbound_token(other, "CPO"))
        none = await http.get(sessions, params=DATE_FROM, headers=as_other)
        prefs = await http.put(
            sessions + "/S1/charging_preferences", json={"profile_type": "REGULAR"}, headers=as_other
        )
        scsp = await http.get(sessions, params=DATE_FROM, headers=auth(await outbound_token(t.scsp, "CPO")))
        scsp_locations = await http.get(
            t.cpo.url + "/ocpi/2.2.1/sender/locations", headers=auth(await outbound_token(t.scsp, "CPO"))
        )
        hidden = await http.get(
            t.cpo.url + "/ocpi/2.2.1/sender/locations/LOC2", headers=auth(await outbound_token(t.scsp, "CPO"))
        )
    assert none.json()["data"] == [] and none.headers["x-total-count"] == "0"
    assert prefs.status_code == 404 and "data" not in prefs.json()
    assert [s["id"] for s in scsp.json()["data"]] == ["S1"]
    assert [loc["id"] for loc in scsp_locations.json()["data"]] == ["LOC1"]
    assert hidden.status_code == 404
    async with ex_of(other).store.unit_of_work() as uow:
        assert await uow.sessions.get("NL", "CPO", "S1") is None  # never pushed either
    async with ex_of(t.scsp).store.unit_of_work() as uow:
        assert (
            await uow.sessions.get("NL", "CPO", "S2") is None
            and await uow.locations.get("NL", "CPO", "LOC2") is None
        )


async def test_receiver_refuses_foreign_owners_and_mismatched_ids(node_factory: NodeFactory) -> None:
    t = await trio(node_factory)
    await t.c.locations.put_location(location("LOC1"))
    session = await t.c.sessions.start_session(
        token=token(), location_id="LOC1", evse_uid="LOC1-E1", connector_id="1"
    )
    await t.settle()
    base = t.emsp.url + "/ocpi/2.2.1/receiver/sessions"
    body = session.to_wire()
    async with httpx.AsyncClient() as http:
        as_scsp = auth(await outbound_token(t.scsp, "EMS"))  # the SCSP is a partner of the eMSP, not NL*CPO
        foreign = await http.get(f"{base}/NL/CPO/{session.id}", headers=as_scsp)
        foreign_put = await http.put(f"{base}/NL/CPO/{session.id}", json=body, headers=as_scsp)
        as_cpo = auth(await outbound_token(t.cpo, "EMS"))
        wrong_id = await http.put(f"{base}/NL/CPO/OTHER", json=body, headers=as_cpo)
        no_last_updated = await http.patch(f"{base}/NL/CPO/{session.id}", json={"kwh": 1.0}, headers=as_cpo)
        unknown = await http.patch(
            f"{base}/NL/CPO/NOPE", json={"kwh": 1.0, "last_updated": "2030-01-01T00:00:00Z"}, headers=as_cpo
        )
    assert foreign.status_code == 404 and foreign_put.status_code == 404
    assert "data" not in foreign.json()
    assert wrong_id.status_code == 200 and wrong_id.json()["status_code"] == 2001
    assert no_last_updated.json()["status_code"] == 2001
    assert unknown.status_code == 404


async def test_emsp_forwards_its_sessions_to_its_scsp_under_its_own_ids(node_factory: NodeFactory) -> None:
    t = await trio(
        node_factory, covered=["LOC9"]
    )  # the CPO's contract doesn't cover LOC1: only the eMSP path
    forwarded: list[SessionForwarded] = []

    async def listen(event: SessionForwarded) -> None:
        forwarded.append(event)

    t.emsp.node.events.subscribe(SessionForwarded, listen)
    await t.c.locations.put_location(location("LOC1"))
    await t.c.sessions.start_session(
        session_id="S1", token=token(), location_id="LOC1", evse_uid="LOC1-E1", connector_id="1"
    )
    await t.c.sessions.start_session(
        session_id="X1", token=token(party="ZZZ"), location_id="LOC1", evse_uid="LOC1-E1", connector_id="1"
    )
    await t.c.sessions.meter_values("S1", kwh=1.5, power_kw=9.0)
    await t.settle()

    cpo_at_emsp = await partner_id(t.emsp, "CPO")
    (mapping,) = await t.e.forwarding.forwards_of(cpo_at_emsp, "NL", "CPO", "S1")
    assert await t.e.forwarding.forwarded(mapping.id) == mapping
    assert (mapping.country_code, mapping.party_id, mapping.session_id) == ("NL", "CPO", "S1")
    assert mapping.scsp_partner_id == await partner_id(t.emsp, "SCS") and mapping.id != "S1"
    async with ex_of(t.scsp).store.unit_of_work() as uow:
        at_scsp = await uow.sessions.get("NL", "EMS", mapping.id)
        assert await uow.sessions.get("NL", "CPO", "S1") is None  # the CPO has no contract for LOC1
    assert (
        at_scsp is not None
        and at_scsp.session.kwh == 1.5
        and len(at_scsp.session.charging_periods or []) == 1
    )
    assert await t.e.forwarding.forwards_of(cpo_at_emsp, "NL", "CPO", "X1") == []  # not our customer
    assert {e.forwarded.id for e in forwarded} == {mapping.id}

    report = await ex_of(t.scsp).sync.sync_partner(await partner_id(t.scsp, "EMS"))  # the SCSP resyncs
    assert report.pulled == {"sessions": 1}  # the eMSP has no Locations Sender
    async with httpx.AsyncClient() as http:
        url = f"{t.emsp.url}/ocpi/2.2.1/sender/sessions/{mapping.id}/charging_preferences"
        relayed = await http.put(
            url, json={"profile_type": "REGULAR"}, headers=auth(await outbound_token(t.scsp, "EMS"))
        )
    assert (
        relayed.status_code == 404 and relayed.json()["status_code"] == 2001
    )  # LOC1 isn't preferences-capable
