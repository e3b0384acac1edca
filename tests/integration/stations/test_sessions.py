"""Stations of both OCPP versions start transactions: OCPI sessions appear at the eMSP, with energy."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from fera.cpo import cpo_of
from fera.ocpi.sessions.models import SessionStatus
from fera.ocpp.simulator import EvArrival, StationSpec
from fera.smartcharging.model import RequestState
from tests.integration.chargingprofiles.setup import amps
from tests.integration.stations.conftest import StageFactory
from tests.integration.stations.stage import PASSWORD, SPECS, WAIT_S, ev, power_w
from tests.nodes import NodeFactory

pytestmark = pytest.mark.timeout(60)


async def test_transactions_become_sessions_of_the_tokens_emsp(stages: StageFactory) -> None:
    stage = await stages()
    emsp_sessions = await stage.charging(SPECS, (ev("ST16", 2), ev("ST201", 1)))
    by_evse = {s.evse_uid: s for s in emsp_sessions}
    assert set(by_evse) == {"LOC1-E2", "LOC1-E3"}  # 1.6 connector 2 and 2.0.1 EVSE 1, as configured
    for session in emsp_sessions:
        assert (session.country_code, session.party_id, session.location_id) == ("NL", "CPO", "LOC1")
        assert (session.cdr_token.country_code, session.cdr_token.party_id) == ("NL", "MSP")
        assert session.cdr_token.uid in ("SIM000000", "SIM000001")
        assert session.status is SessionStatus.ACTIVE
    # energy flows: a later reading carries more kWh (the meter register less its start value)
    first = len(stage.emsp_sessions.items)
    later = await stage.emsp_sessions.wait(lambda e: e.session.kwh > 0 and power_w(e) is not None, first)
    assert 0 < later.session.kwh < 500
    assert stage.stations.events.known["ST16"].ocpp_version == "1.6"
    location = await cpo_of(stage.cpo.node).locations.location("LOC1")
    assert location is not None
    statuses = {e.uid: e.status.value for e in location.evses or []}
    assert statuses["LOC1-E2"] == statuses["LOC1-E3"] == "CHARGING"
    assert statuses["LOC1-E1"] == statuses["LOC1-E4"] == "AVAILABLE"


async def test_stopped_transaction_completes_the_session_and_ends_steering(
    stages: StageFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage = await stages(tokens=1)
    # The CPO completes the session (the eMSP hears it) before it drops the transaction's binding.
    handled, stopped = asyncio.Event(), stage.stations.events.transaction_stopped

    async def stopping(*args: Any, **kwargs: Any) -> None:
        await stopped(*args, **kwargs)
        handled.set()

    monkeypatch.setattr(stage.stations.events, "transaction_stopped", stopping)
    start = datetime.now(UTC)
    short = EvArrival(start, start + timedelta(hours=5), energy_kwh=0.5, max_kw=22.0, station_id="ST16")
    stage.simulate(SPECS[:1], (short,))  # full after ~80 simulated seconds
    done = await stage.emsp_sessions.wait(lambda e: e.session.status is SessionStatus.COMPLETED)
    await asyncio.wait_for(handled.wait(), WAIT_S)
    assert done.session.kwh == pytest.approx(0.5, abs=0.01)
    router = stage.cpo.node.cpo_profiles
    assert router is not None
    assert (await router.stations.binding(done.session.id, "LOC1-E1")).link is not stage.stations.link
    async with stage.cpo.node.database.unit_of_work() as uow:
        assert await uow.station_bindings.all() == []
    request = await stage.sender.set_profile(stage.cpo_id, done.session.id, amps((0, 10.0)))
    assert (request.state, request.response) == (RequestState.REFUSED, "REJECTED")


async def test_unknown_station_or_wrong_password_is_refused(stages: StageFactory) -> None:
    stage = await stages(tokens=0)
    for spec in (StationSpec("NOPE", "2.0.1"), StationSpec("ST16", "1.6", password=PASSWORD + "!")):
        with pytest.raises(InvalidStatus) as refused:
            await asyncio.wait_for(stage.simulate((spec,), ()), WAIT_S)
        assert refused.value.response.status_code == 401
    stage.runs.clear()
    assert stage.stations.events.known == {}


async def test_bindings_survive_a_restart(stages: StageFactory, node_factory: NodeFactory) -> None:
    stage = await stages()
    (session,) = await stage.charging(SPECS[1:], (ev("ST201", 1),))
    await stage.stop_runs()
    async with stage.cpo.node.database.unit_of_work() as uow:
        (before,) = await uow.station_bindings.all()
    restarted = await node_factory.restart(stage.cpo)
    stations, module = cpo_of(restarted.node).stations, restarted.node.cpo_profiles
    assert stations is not None and module is not None
    binding = await module.stations.binding(session.id, session.evse_uid)
    assert (binding.link, binding.station_id, binding.evse_id) == (stations.link, "ST201", 1)
    assert (before.session_id, binding.transaction_id) == (session.id.upper(), before.transaction_id)
    # steering goes to the (absent) station, not to an in-process stand-in: a clean REJECTED
    request = await stage.sender.set_profile(stage.cpo_id, session.id, amps((0, 8.0)))
    assert (await stage.sender.wait(request.id, timeout=WAIT_S)).result == {"result": "REJECTED"}
