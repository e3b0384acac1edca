"""CPO -> eMSP: a Session's meter readings go out in at most one PATCH per `session_update_interval_s`.

The first reading at once, later ones joined into one PATCH (every ChargingPeriod, the latest values) when the
interval has passed; a status change or a drain sends what is held first. The eMSP's copy ends equal to ours.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.sessions_events import SessionChanged
from tests.integration.test_sessions_support import T0, location, register, settle, token
from tests.nodes import NodeFactory, RunningNode, role


class Received:
    """The Session PUTs (None) and PATCH bodies the eMSP stored, in order."""

    def __init__(self, emsp: RunningNode) -> None:
        self.bodies: list[dict[str, Any] | None] = []
        self.arrived = asyncio.Event()
        emsp.node.events.subscribe(SessionChanged, self._seen)

    async def _seen(self, event: SessionChanged) -> None:
        self.bodies.append(None if event.patch is None else event.patch.to_wire())
        self.arrived.set()

    async def count(self, n: int) -> None:
        async with asyncio.timeout(30):
            while len(self.bodies) < n:
                self.arrived.clear()
                await self.arrived.wait()


async def _pair(node_factory: NodeFactory, interval_s: float) -> tuple[RunningNode, RunningNode, Received]:
    cpo = await node_factory(role("CPO"), name="cpo", session_update_interval_s=interval_s)
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    await register(emsp, cpo)
    await cpo_of(cpo.node).locations.put_location(location("LOC1"))
    await settle(cpo, emsp)  # the registration's pull is over: the eMSP stores only what the CPO pushes
    received = Received(emsp)
    await cpo_of(cpo.node).sessions.start_session(
        session_id="S1", token=token(), location_id="LOC1", evse_uid="LOC1-E1", connector_id="1", at=T0
    )
    return cpo, emsp, received


def _period(minute: int, kwh: float, kw: float) -> dict[str, Any]:
    return {
        "start_date_time": f"2030-01-01T08:{minute:02d}:00Z",
        "dimensions": [{"type": "ENERGY", "volume": kwh}, {"type": "POWER", "volume": kw}],
    }


async def test_readings_within_the_interval_are_joined_into_one_patch(node_factory: NodeFactory) -> None:
    cpo, emsp, received = await _pair(node_factory, 3600.0)
    sessions = cpo_of(cpo.node).sessions
    for minute, kwh, kw in ((5, 0.5, 6.0), (10, 1.5, 12.0), (15, 2.0, 6.0)):
        await sessions.meter_values("S1", kwh=kwh, at=T0 + timedelta(minutes=minute), power_kw=kw)
    await received.count(2)  # the PUT, and the first reading at once
    final = await sessions.stop_session("S1", at=T0 + timedelta(minutes=20), kwh=2.0)
    await received.count(4)  # the stop sends the held readings first

    assert received.bodies == [
        None,
        {"kwh": 0.5, "charging_periods": [_period(0, 0.5, 6.0)], "last_updated": "2030-01-01T08:05:00Z"},
        {
            "kwh": 2.0,
            "charging_periods": [_period(5, 1.0, 12.0), _period(10, 0.5, 6.0)],
            "last_updated": "2030-01-01T08:15:00Z",
        },
        {
            "status": "COMPLETED",
            "end_date_time": "2030-01-01T08:20:00Z",
            "kwh": 2.0,
            "last_updated": "2030-01-01T08:20:00Z",
        },
    ]
    async with exchange_of(emsp.node).store.unit_of_work() as uow:
        stored = await uow.sessions.get("NL", "CPO", "S1")
    assert stored is not None and stored.session == final


async def test_held_readings_go_out_when_the_interval_has_passed(node_factory: NodeFactory) -> None:
    cpo, _emsp, received = await _pair(node_factory, 1.0)
    sessions = cpo_of(cpo.node).sessions
    loop = asyncio.get_running_loop()
    await sessions.meter_values("S1", kwh=0.5, at=T0 + timedelta(minutes=5), power_kw=6.0)
    first = loop.time()
    await sessions.meter_values("S1", kwh=1.5, at=T0 + timedelta(minutes=10), power_kw=12.0)
    await received.count(3)  # nobody drains: the pusher sends it on its own

    assert loop.time() - first >= 0.9  # not before the interval has passed (loop timers are not early)
    assert received.bodies[2] == {
        "kwh": 1.5,
        "charging_periods": [_period(5, 1.0, 12.0)],
        "last_updated": "2030-01-01T08:10:00Z",
    }


async def test_an_interval_of_zero_sends_every_reading(node_factory: NodeFactory) -> None:
    cpo, _emsp, received = await _pair(node_factory, 0.0)
    sessions = cpo_of(cpo.node).sessions
    for minute, kwh in ((5, 0.5), (10, 1.5)):
        await sessions.meter_values("S1", kwh=kwh, at=T0 + timedelta(minutes=minute), power_kw=6.0)
    await received.count(3)

    assert [b and b["kwh"] for b in received.bodies] == [None, 0.5, 1.5]


async def test_each_patch_the_emsp_stores_is_the_cpos_session_in_its_event(node_factory: NodeFactory) -> None:
    """The eMSP appends a PATCH to the wire form it stores (`patched_wire`) and reads the session for its
    subscribers only when they ask: each event's session is the CPO's as of that reading."""
    cpo, emsp, received = await _pair(node_factory, 0.0)
    seen: list[Any] = []

    async def record(event: SessionChanged) -> None:
        if event.patch is not None:  # the PATCHes, not the start's PUT
            seen.append(event.session)

    emsp.node.events.subscribe(SessionChanged, record)
    sessions = cpo_of(cpo.node).sessions
    states = []
    for minute, kwh in ((5, 0.5), (10, 1.5), (15, 2.5)):
        states.append(
            await sessions.meter_values("S1", kwh=kwh, at=T0 + timedelta(minutes=minute), power_kw=6.0)
        )
    await received.count(4)

    assert seen == states
    assert [len(s.charging_periods or []) for s in seen] == [1, 2, 3]
    async with exchange_of(emsp.node).store.unit_of_work() as uow:
        stored = await uow.sessions.get("NL", "CPO", "S1")
    assert stored is not None and stored.session == states[-1]


async def test_a_patch_the_emsp_refuses_is_followed_by_the_whole_session_as_it_is(
    node_factory: NodeFactory,
) -> None:
    """The eMSP lost its copy (restored from a backup, say): it refuses the next reading's PATCH, and the
    CPO sends the Session whole, as it is then (on PostgreSQL the outbox holds no copy of it: it is read)."""
    cpo, emsp, received = await _pair(node_factory, 0.0)
    sessions = cpo_of(cpo.node).sessions
    await sessions.meter_values("S1", kwh=0.5, at=T0 + timedelta(minutes=5), power_kw=6.0)
    await received.count(2)
    async with emsp.node.database.engine.begin() as conn:
        await conn.execute(text("DELETE FROM sessions"))
    latest = await sessions.meter_values("S1", kwh=1.5, at=T0 + timedelta(minutes=10), power_kw=12.0)
    await received.count(3)

    assert received.bodies[2] is None  # a PUT, not the refused PATCH
    async with exchange_of(emsp.node).store.unit_of_work() as uow:
        stored = await uow.sessions.get("NL", "CPO", "S1")
    assert stored is not None and stored.session == latest
    periods = [p.to_wire() for p in latest.charging_periods or []]
    assert periods == [_period(0, 0.5, 6.0), _period(5, 1.0, 12.0)]
