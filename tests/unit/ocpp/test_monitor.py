"""The gateway's monitor: online state, heartbeats recognised from the frames, refusals and frames bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.ocpp.monitor import KEEP_REFUSALS, StationMonitor
from fera.traffic import KEEP, Direction


class Ticks:
    def __init__(self) -> None:
        self.t = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.t += timedelta(seconds=1)
        return self.t


def test_states_heartbeats_and_bounded_history() -> None:
    clock = Ticks()
    monitor = StationMonitor(clock)
    assert monitor.state("CS1") is None
    monitor.connected("CS1", "ocpp1.6")
    monitor.received("CS1", '[2,"1","BootNotification",{}]')
    state = monitor.state("CS1")
    assert state is not None and state.online and state.last_heartbeat is None
    monitor.received("CS1", '[2, "2", "Heartbeat", {}]')
    beat = monitor.state("CS1")
    assert beat is not None and beat.last_heartbeat is not None and beat.last_heartbeat == beat.last_seen
    monitor.received("CS1", '[3,"x",{"currentTime":"Heartbeat"}]')  # an answer naming it is no heartbeat
    later = monitor.state("CS1")
    assert later is not None and later.last_heartbeat == beat.last_heartbeat
    assert later.last_seen is not None and later.last_seen > beat.last_heartbeat
    monitor.disconnected("CS1")
    gone = monitor.state("CS1")
    assert gone is not None and not gone.online and gone.protocol == "ocpp1.6"

    for n in range(KEEP + 5):
        monitor.sent("CS1", f'[2,"{n}","SetChargingProfile",{{}}]')
    frames = monitor.frames.recent("CS1")
    assert len(frames) == KEEP and frames[0].direction is Direction.OUT
    assert f'"{KEEP + 4}"' in frames[0].summary
    for n in range(KEEP_REFUSALS + 1):
        monitor.refused(f"X{n}", "unknown station (401)")
    refusals = monitor.refusals()
    assert len(refusals) == KEEP_REFUSALS and refusals[0].station_id == f"X{KEEP_REFUSALS}"
