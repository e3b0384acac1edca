"""The simulated station's decisions and its accelerated clock, without any network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.charging import ChargingProfileKind, ChargingProfilePurpose, OcppChargingProfile, SchedulePeriod
from fera.ocpp.simulator import SimClock, StationSpec
from fera.ocpp.simulator.session import PowerTracker
from fera.ocpp.simulator.station import StationModel

START = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def model(reject_profiles: bool = False) -> tuple[StationModel, FakeMonotonic]:
    monotonic = FakeMonotonic()
    spec = StationSpec("CS", connectors=2, reject_profiles=reject_profiles)
    return StationModel(spec, SimClock(START, 60.0, monotonic)), monotonic


def tx_limit(amps: float, transaction_id: str | None = "T1", connector_id: int = 1) -> OcppChargingProfile:
    return OcppChargingProfile(
        id=1,
        stack_level=0,
        purpose=ChargingProfilePurpose.TX,
        kind=ChargingProfileKind.RELATIVE,
        unit="A",
        periods=(SchedulePeriod(0, amps),),
        connector_id=connector_id,
        transaction_id=transaction_id,
    )


def test_clock_runs_speed_times_faster_from_restart() -> None:
    monotonic = FakeMonotonic()
    clock = SimClock(START, 60.0, monotonic)
    monotonic.t += 2.0
    assert clock.now() == START + timedelta(minutes=2)
    assert clock.real_seconds(START + timedelta(minutes=5)) == 3.0
    assert clock.real_seconds(START) == 0.0
    clock.restart()
    assert clock.now() == START


def test_tx_profile_needs_the_running_transaction() -> None:
    station, _ = model()
    assert not station.set_profile(tx_limit(16))  # no transaction yet
    station.begin(1, "T1", START)
    assert not station.set_profile(tx_limit(16, "T2"))
    assert not station.set_profile(tx_limit(16, connector_id=3))
    assert not station.set_wire_profile({"charging_profile_purpose": "TxProfile"}, 1)  # malformed
    assert station.set_profile(tx_limit(16))


def test_a_rejecting_station_rejects_valid_profiles() -> None:
    station, _ = model(reject_profiles=True)
    station.begin(1, "T1", START)
    assert not station.set_profile(tx_limit(16))


def test_limits_follow_profiles_and_end_with_the_transaction() -> None:
    station, _ = model()
    assert station.limit_w(1, START) == 22000.0  # the connector's hardware maximum
    station.begin(1, "T1", START)
    assert station.set_profile(tx_limit(16))
    assert all(c.changed.is_set() for c in station.connectors.values())
    assert station.limit_w(1, START) == 16 * 230 * 3
    assert station.limit_w(2, START) == 22000.0
    station.end(1)
    assert station.limit_w(1, START) == 22000.0


def test_clear_reports_whether_anything_matched() -> None:
    station, _ = model()
    station.begin(1, "T1", START)
    station.set_profile(tx_limit(16))
    assert not station.clear_profiles(None, 2, "TxProfile", None)
    assert station.clear_profiles(None, 1, "TxProfile", None)
    assert not station.clear_profiles(1, None, None, None)


def test_composites_per_connector_and_for_the_station() -> None:
    station, monotonic = model()
    station.begin(1, "T1", START)
    station.set_profile(tx_limit(10))
    monotonic.t += 1.5  # 90 simulated seconds later
    one = station.composite(1, 600, "W")
    assert one is not None and one.start_date_time == START + timedelta(seconds=90)
    assert one.periods == ((0, 6900.0),)
    assert one.charging_rate_unit == "W" and one.duration == 600
    whole = station.composite(0, 600, None)
    assert whole is not None and whole.periods == ((0, 6900.0 + 22000.0),)
    assert station.composite(3, 600, "W") is None
    assert station.composite(1, 0, "W") is None


def test_power_tracker_peaks_over_all_connectors() -> None:
    tracker = PowerTracker()
    tracker.update("A", 1, 11000.0)
    tracker.update("B", 1, 7400.0)
    tracker.update("A", 1, 3700.0)
    assert (tracker.total_w, tracker.peak_w) == (11100.0, 18400.0)
