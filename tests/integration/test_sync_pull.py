"""Resynchronisation: receivers pull owners' lists (Link pages, date_from) on registration and on demand."""

from __future__ import annotations

from datetime import timedelta

import httpx

from fera.store.records import Visibility, Window
from tests.integration.authz_world import emsp_token
from tests.integration.test_sessions_support import (
    T0,
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
from tests.nodes import NodeFactory


async def test_registration_pulls_every_page(node_factory: NodeFactory) -> None:
    t = await trio(node_factory, register_all=False)
    await t.c.locations.put_location(location("LOC1"))
    for i in range(130):  # two pages of 100
        await t.c.sessions.start_session(
            session_id=f"S{i:03}",
            token=token(),
            location_id="LOC1",
            evse_uid="LOC1-E1",
            connector_id="1",
            at=T0 + timedelta(seconds=i),
        )
    await register(t.emsp, t.cpo)
    await settle(t.emsp, t.cpo)
    async with ex_of(t.emsp).store.unit_of_work() as uow:
        page = await uow.sessions.page(await partner_id(t.emsp, "CPO"), _all(), _window())
        locations = await uow.locations.page(await partner_id(t.emsp, "CPO"), _all(), _window())
    assert page.total == 130 and [s.id for s in page.items][:2] == ["S000", "S001"]
    assert [loc.id for loc in locations.items] == ["LOC1"]


async def test_sessions_list_pages_with_link_and_requires_date_from(node_factory: NodeFactory) -> None:
    t = await trio(node_factory)
    await t.c.locations.put_location(location("LOC1"))
    for i in range(3):
        await t.c.sessions.start_session(
            session_id=f"S{i}",
            token=token(),
            location_id="LOC1",
            evse_uid="LOC1-E1",
            connector_id="1",
            at=T0 + timedelta(minutes=i),
        )
    url = t.cpo.url + "/ocpi/2.2.1/sender/sessions"
    headers = auth(await outbound_token(t.emsp, "CPO"))
    async with httpx.AsyncClient() as http:
        missing = await http.get(url, headers=headers)
        first = await http.get(
            url, params={"date_from": "2030-01-01T08:01:00Z", "limit": "1"}, headers=headers
        )
        second = await http.get(first.headers["link"].split(">")[0][1:], headers=headers)
    assert missing.status_code == 200 and missing.json()["status_code"] == 2001
    assert first.headers["x-total-count"] == "2" and first.headers["x-limit"] == "100"
    assert [s["id"] for s in first.json()["data"]] == ["S1"]
    assert [s["id"] for s in second.json()["data"]] == ["S2"] and "link" not in second.headers


async def test_tokens_pushed_on_registration_and_pulled_on_demand(node_factory: NodeFactory) -> None:
    t = await trio(node_factory, register_all=False)
    await t.e.tokens.put_token(emsp_token("A"))
    await register(t.emsp, t.cpo)  # the eMSP announces its tokens to the new CPO partner
    await settle(t.emsp, t.cpo)
    assert await t.c.tokens.token("NL", "EMS", "A") == emsp_token("A")

    await t.e.tokens.put_token(emsp_token("B"))  # pushed at once
    await settle(t.emsp)
    assert await t.c.tokens.token("NL", "EMS", "B") is not None
    blocked = await t.e.tokens.set_valid("A", False, at=T0)
    await settle(t.emsp)
    assert await t.c.tokens.token("NL", "EMS", "A") == blocked

    async with ex_of(t.cpo).store.unit_of_work() as uow:  # lose B at the CPO, then resynchronise
        await uow.tokens.put(
            emsp_token("B").model_copy(update={"valid": False}), await partner_id(t.cpo, "EMS")
        )
    report = await ex_of(t.cpo).sync.sync_partner(await partner_id(t.cpo, "EMS"))
    assert report.pulled == {"tokens": 2} and report.errors == []
    assert await t.c.tokens.token("NL", "EMS", "B") == emsp_token("B")


async def test_resync_after_a_failed_push(node_factory: NodeFactory) -> None:
    t = await trio(node_factory)
    await t.c.locations.put_location(location("LOC1"))
    await t.c.sessions.start_session(
        session_id="S1", token=token(), location_id="LOC1", evse_uid="LOC1-E1", connector_id="1", at=T0
    )
    await t.settle()
    await t.emsp.server.stop()  # the eMSP is down: the next pushes fail
    await t.c.sessions.meter_values("S1", kwh=3.0, at=T0 + timedelta(minutes=10))
    await settle(t.cpo)
    assert ex_of(t.cpo).pusher.failures >= 1
    stored = await t.c.sessions.session("S1")
    assert stored is not None and stored.session.kwh == 3.0  # the owner keeps its data

    emsp = await node_factory.restart(t.emsp)
    report = await ex_of(emsp).sync.sync_partner(await partner_id(emsp, "CPO"), since=T0)
    assert report.pulled["sessions"] == 1
    async with ex_of(emsp).store.unit_of_work() as uow:
        repaired = await uow.sessions.get("NL", "CPO", "S1")
    assert repaired is not None and repaired.session == stored.session

    failures = ex_of(t.cpo).pusher.failures  # the next change goes out as a full PUT and is applied
    after = await t.c.sessions.meter_values("S1", kwh=4.0, at=T0 + timedelta(minutes=20))
    await settle(t.cpo)
    async with ex_of(emsp).store.unit_of_work() as uow:
        latest = await uow.sessions.get("NL", "CPO", "S1")
    assert latest is not None and latest.session == after and ex_of(t.cpo).pusher.failures == failures


def _all() -> Visibility:
    return Visibility(all_locations=True)


def _window() -> Window:
    return Window(0, 1000)
