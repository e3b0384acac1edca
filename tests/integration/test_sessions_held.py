"""CPO: a session's readings are applied to the session as this process last wrote it (no read per reading),
and written only while its row is still so; a row written elsewhere since is read and the reading applied
to it."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event

from fera.cpo import cpo_of
from fera.cpo.sessions import CpoSessions
from fera.exchange import exchange_of
from fera.ocpi.sessions.models import SessionStatus
from fera.store.sqlalchemy.database import Database
from tests.integration.test_sessions_support import T0, location, token
from tests.nodes import NodeFactory, RunningNode, role


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def _started(cpo: RunningNode, count: int) -> CpoSessions:
    sessions = cpo_of(cpo.node).sessions
    await cpo_of(cpo.node).locations.put_location(location("LOC1"))
    for n in range(count):
        await sessions.start_session(
            session_id=f"S{n}", token=token(), location_id="LOC1", evse_uid="LOC1-E1", connector_id="1", at=T0
        )
    return sessions


def _statements(cpo: RunningNode) -> tuple[Counter[str], Database]:
    """The statements on the sessions table from now on, by their first words."""
    database = exchange_of(cpo.node).store
    assert isinstance(database, Database)
    seen: Counter[str] = Counter()

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = " ".join(statement.split()).upper()
        if words.startswith("UPDATE SESSIONS"):
            seen["UPDATE"] += 1
        elif words.startswith("SELECT") and " FROM SESSIONS" in words:
            seen["SELECT"] += 1

    event.listen(database.engine.sync_engine, "before_cursor_execute", executed)
    return seen, database


async def test_readings_of_held_sessions_are_written_without_a_read(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO"), name="cpo")
    sessions = await _started(cpo, 3)
    seen, database = _statements(cpo)

    await sessions.meter_values("S0", kwh=1.0, at=at(5), power_kw=12.0)
    assert seen == {"UPDATE": 1}
    seen.clear()
    readings = [sessions.meter_values(f"S{n}", kwh=2.0, at=at(10)) for n in range(3)]
    await asyncio.gather(*readings)

    # One statement for the group where the driver counts an executemany's rows (SQLite); asyncpg: each.
    many = database.engine.dialect.supports_sane_multi_rowcount
    assert seen == {"UPDATE": 1 if many else 3}
    for n in range(3):
        stored = await sessions.session(f"S{n}")
        assert stored is not None and stored.session.kwh == 2.0 and stored.session.last_updated == at(10)
    s0 = await sessions.session("S0")
    assert s0 is not None
    assert [p.to_wire() for p in s0.session.charging_periods or []] == [
        {
            "start_date_time": "2030-01-01T08:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 1.0}, {"type": "POWER", "volume": 12.0}],
        },
        {"start_date_time": "2030-01-01T08:05:00Z", "dimensions": [{"type": "ENERGY", "volume": 1.0}]},
    ]


async def test_a_session_written_elsewhere_is_read_before_its_reading(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO"), name="cpo")
    sessions = await _started(cpo, 1)
    await sessions.meter_values("S0", kwh=1.0, at=at(5))
    stored = await sessions.session("S0")
    assert stored is not None
    # Another process (a gateway the station reconnected to) wrote a reading of its own since.
    elsewhere = stored.session.model_copy(update={"kwh": 2.0, "last_updated": at(7)})
    async with exchange_of(cpo.node).store.unit_of_work() as uow:
        await uow.sessions.put(elsewhere, None)
    seen, _ = _statements(cpo)

    updated = await sessions.meter_values("S0", kwh=3.0, at=at(10))

    assert seen == {"UPDATE": 2, "SELECT": 1}  # the held copy's UPDATE matched nothing, then read and written
    assert updated.kwh == 3.0
    assert [p.to_wire() for p in updated.charging_periods or []][-1] == {
        "start_date_time": "2030-01-01T08:07:00Z",
        "dimensions": [{"type": "ENERGY", "volume": 1.0}],
    }
    again = await sessions.session("S0")
    assert again is not None and again.session == updated
    seen.clear()
    await sessions.meter_values("S0", kwh=3.5, at=at(12))
    assert seen == {"UPDATE": 1}  # held again


async def test_an_ended_session_is_no_longer_held(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO"), name="cpo")
    sessions = await _started(cpo, 1)
    await sessions.meter_values("S0", kwh=1.0, at=at(5))
    await sessions.stop_session("S0", at=at(6), kwh=1.2)
    seen, _ = _statements(cpo)

    outcome = await asyncio.gather(sessions.meter_values("S0", kwh=2.0, at=at(7)), return_exceptions=True)

    assert seen == {"SELECT": 1}  # read, refused: nothing written
    assert "is COMPLETED" in str(outcome[0])
    stored = await sessions.session("S0")
    assert stored is not None and stored.session.status is SessionStatus.COMPLETED
