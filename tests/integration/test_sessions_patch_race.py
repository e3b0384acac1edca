"""A received session's PATCHes arriving at once: each one's ChargingPeriod is kept (none is lost to another
PATCH that read the session before it was written)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from fera.events import EventBus
from fera.exchange.sessions import SessionsMirror
from fera.ocpi.auth import Caller, Party, TokenKind
from fera.ocpi.sessions.models import AuthMethod, Session, SessionPatch, SessionStatus
from fera.ocpi.types import Role
from fera.store import Database
from tests.integration.test_sessions_support import T0, token

CPO = Caller(partner_id="cpo", token_kind=TokenKind.CALLER, roles=(Party("NL", "CPO", Role.CPO),))


def _session() -> Session:
    return Session(
        country_code="NL", party_id="CPO", id="S1", start_date_time=T0, kwh=0.0, cdr_token=token(),
        auth_method=AuthMethod.WHITELIST, location_id="LOC1", evse_uid="E1", connector_id="1",
        currency="EUR", status=SessionStatus.ACTIVE, last_updated=T0,
    )  # fmt: skip


def _reading(minute: int) -> SessionPatch:
    at = T0 + timedelta(minutes=minute)
    period = {"start_date_time": at, "dimensions": [{"type": "ENERGY", "volume": 0.1}]}
    return SessionPatch.model_validate({"charging_periods": [period], "last_updated": at})


async def test_patches_of_one_session_at_once_keep_every_period(database: Database) -> None:
    mirror = SessionsMirror(database, EventBus())
    await mirror.put(CPO, "NL", "CPO", "S1", _session())

    await asyncio.gather(*(mirror.patch(CPO, "NL", "CPO", "S1", _reading(m)) for m in range(1, 9)))

    async with database.unit_of_work() as uow:
        stored = await uow.sessions.get("NL", "CPO", "S1")
    assert stored is not None
    starts = sorted(p.start_date_time for p in stored.session.charging_periods or [])
    assert starts == [T0 + timedelta(minutes=m) for m in range(1, 9)]


@pytest.mark.postgres
async def test_patches_through_two_processes_keep_every_period(database: Database) -> None:
    """Two processes on one PostgreSQL (two stores, two mirrors: no lock shared in memory)."""
    other = Database(database.url)
    try:
        mirrors = [SessionsMirror(database, EventBus()), SessionsMirror(other, EventBus())]
        await mirrors[0].put(CPO, "NL", "CPO", "S1", _session())
        for mirror in mirrors:  # both connected and their statements prepared: the PATCHes overlap
            await mirror.get(CPO, "NL", "CPO", "S1")

        await asyncio.gather(
            *(mirrors[m % 2].patch(CPO, "NL", "CPO", "S1", _reading(m)) for m in range(1, 25))
        )

        async with other.unit_of_work() as uow:
            stored = await uow.sessions.get("NL", "CPO", "S1")
    finally:
        await other.close()
    assert stored is not None
    starts = sorted(p.start_date_time for p in stored.session.charging_periods or [])
    assert starts == [T0 + timedelta(minutes=m) for m in range(1, 25)]
