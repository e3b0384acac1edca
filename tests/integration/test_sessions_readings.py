"""CPO: meter readings that arrive together are written in one transaction, each checked on its own."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.ocpi.errors import InvalidParameters, NotFound
from fera.store.sqlalchemy.database import Database
from tests.integration.test_sessions_support import T0, location, token
from tests.nodes import NodeFactory, role


async def test_readings_arriving_together_share_one_commit(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO"), name="cpo")
    sessions = cpo_of(cpo.node).sessions
    await cpo_of(cpo.node).locations.put_location(location("LOC1"))
    for n in range(3):
        await sessions.start_session(
            session_id=f"S{n}", token=token(), location_id="LOC1", evse_uid="LOC1-E1", connector_id="1", at=T0
        )
    database = exchange_of(cpo.node).store
    assert isinstance(database, Database)
    # Transactions that wrote sessions (a refill of the partners held in memory may add a read of its own).
    writing: set[int] = set()
    commits: list[int] = []

    def executed(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("UPDATE SESSIONS", "INSERT INTO SESSIONS")):  # SQLite, PG
            writing.add(id(conn))

    def committed(conn: Any) -> None:
        if id(conn) in writing:
            writing.discard(id(conn))
            commits.append(id(conn))

    event.listen(database.engine.sync_engine, "before_cursor_execute", executed)
    event.listen(database.engine.sync_engine, "commit", committed)

    def at(minutes: int) -> Any:
        return T0 + timedelta(minutes=minutes)

    readings = [
        sessions.meter_values("S0", kwh=1.0, at=at(5), power_kw=12.0),
        sessions.meter_values("S1", kwh=2.0, at=at(5)),
        sessions.meter_values("S0", kwh=2.5, at=at(10), power_kw=18.0),  # after S0's first, same batch
        sessions.meter_values("S2", kwh=1.0, at=at(5)),
        sessions.meter_values("S2", kwh=0.5, at=at(10)),  # below S2's 1.0: refused alone
        sessions.meter_values("S9", kwh=1.0, at=at(5)),  # no such session
    ]
    outcomes = await asyncio.gather(*readings, return_exceptions=True)

    assert len(commits) == 1
    assert isinstance(outcomes[4], InvalidParameters) and isinstance(outcomes[5], NotFound)
    s0 = await sessions.session("S0")
    assert s0 is not None and s0.session == outcomes[2]
    assert s0.session.kwh == 2.5
    assert [p.to_wire() for p in s0.session.charging_periods or []] == [
        {
            "start_date_time": "2030-01-01T08:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 1.0}, {"type": "POWER", "volume": 12.0}],
        },
        {
            "start_date_time": "2030-01-01T08:05:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 1.5}, {"type": "POWER", "volume": 18.0}],
        },
    ]
    s2 = await sessions.session("S2")
    assert s2 is not None and s2.session.kwh == 1.0


async def test_a_reading_alone_is_written_at_once(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO"), name="cpo")
    sessions = cpo_of(cpo.node).sessions
    await cpo_of(cpo.node).locations.put_location(location("LOC1"))
    await sessions.start_session(
        session_id="S1", token=token(), location_id="LOC1", evse_uid="LOC1-E1", connector_id="1", at=T0
    )
    for kwh in (1.0, 2.0):
        await sessions.meter_values("S1", kwh=kwh, at=T0 + timedelta(minutes=int(5 * kwh)))
    stored = await sessions.session("S1")
    assert stored is not None and stored.session.kwh == 2.0
    with pytest.raises(InvalidParameters):
        await sessions.meter_values("S1", kwh=1.0, at=T0 + timedelta(minutes=15))
