"""ChargingProfiles over OCPI reach the stations as TxProfiles; what stations hold comes back; a station
that is gone gives a clean REJECTED."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from fera.cpo import cpo_of
from fera.ocpi.locations.models import Status
from fera.sessions_events import LocationChanged, SessionChanged
from tests.integration.chargingprofiles.setup import amps
from tests.integration.stations.conftest import StageFactory
from tests.integration.stations.stage import SPECS, WAIT_S, Recorder, ev, power_w

pytestmark = pytest.mark.timeout(60)
TEN_AMPS_W = 10 * 230 * 3


def metering(session_id: str) -> Callable[[SessionChanged], bool]:
    return lambda e: e.session.id == session_id and power_w(e) is not None


async def test_profile_reaches_station_draw_follows_and_active_profile_is_the_stations(
    stages: StageFactory,
) -> None:
    stage = await stages()
    sessions = await stage.charging(SPECS, (ev("ST16", 1), ev("ST201", 2)))
    assert all(power_w(e) == 22_000 for e in stage.cpo_sessions.items if power_w(e) is not None)
    requests = [await stage.sender.set_profile(stage.cpo_id, s.id, amps((0, 10.0))) for s in sessions]
    for request in requests:
        assert (await stage.sender.wait(request.id, timeout=WAIT_S)).result == {"result": "ACCEPTED"}
    mark = len(stage.cpo_sessions.items)
    for session in sessions:  # the cars now draw what the stations' TxProfiles allow (<= 10 A x 230 V x 3)
        reading = await stage.cpo_sessions.wait(metering(session.id), mark)
        assert power_w(reading) == pytest.approx(TEN_AMPS_W, abs=1)

    for session in sessions:
        request = await stage.sender.get_active_profile(stage.cpo_id, session.id, 900)
        got = await stage.sender.wait(request.id, timeout=WAIT_S)
        assert got.result is not None and got.result["result"] == "ACCEPTED"
        profile = got.result["profile"]
        # the station's own composite schedule: it starts at the station's (simulated, fast) clock
        assert datetime.fromisoformat(profile["start_date_time"]) > datetime.now(UTC)
        assert profile["charging_profile"]["charging_rate_unit"] == "A"
        assert profile["charging_profile"]["charging_profile_period"][0]["limit"] == 10.0


async def test_disconnected_station_gives_rejected_results_at_once(
    stages: StageFactory, caplog: pytest.LogCaptureFixture
) -> None:
    stage = await stages()
    locations = Recorder(stage.cpo.node.events, LocationChanged)
    (session,) = await stage.charging(SPECS[1:], (ev("ST201", 1),))
    await stage.stop_runs()  # the station drops its connection mid-transaction
    await locations.wait(
        lambda e: any(x.uid == "LOC1-E3" and x.status is Status.UNKNOWN for x in e.location.evses or [])
    )
    assert not stage.stations.gateway.is_connected("ST201")
    set_request = await stage.sender.set_profile(stage.cpo_id, session.id, amps((0, 8.0)))
    get_request = await stage.sender.get_active_profile(stage.cpo_id, session.id, 900)
    assert (set_request.response, get_request.response) == ("ACCEPTED", "ACCEPTED")
    done = await stage.sender.wait(set_request.id, timeout=WAIT_S)
    got = await stage.sender.wait(get_request.id, timeout=WAIT_S)
    assert done.result == {"result": "REJECTED"}
    assert got.result == {"result": "REJECTED"}
    # at once: nothing waited for the gone station's answer (the wall clock would say so only when idle)
    assert not [r for r in caplog.records if "no answer within" in r.getMessage()]
    assert cpo_of(stage.cpo.node).stations is stage.stations
