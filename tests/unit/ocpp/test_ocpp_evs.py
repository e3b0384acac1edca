"""EV visits: the seeded generator and the CSV reader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fera.ocpp.simulator import EvArrival, generate_evs, read_evs_csv, station_specs

START = datetime(2025, 6, 1, tzinfo=UTC)


def test_csv_with_hours_and_timestamps_and_optional_columns() -> None:
    text = (
        "arrival,departure,energy_kwh,max_kw,station,connector\n"
        "2025-06-01T09:00:00Z,2025-06-01T17:30:00+02:00,20,11,CS-1,2\n"
        "0.5,8,12.5,7.4,,\n"
    )
    first, second = read_evs_csv(text, START)
    assert first == EvArrival(START + timedelta(minutes=30), START + timedelta(hours=8), 12.5, 7.4)
    assert second == EvArrival(
        START + timedelta(hours=9), START + timedelta(hours=15, minutes=30), 20.0, 11.0, "CS-1", 2
    )


def test_csv_without_station_columns() -> None:
    (ev,) = read_evs_csv("arrival,departure,energy_kwh,max_kw\n1,2,3,4\n", START)
    assert (ev.station_id, ev.connector_id) == (None, None)


@pytest.mark.parametrize(
    ("row", "problem"),
    [("1,2,x,4", "could not convert"), ("2,1,3,4", "not after arrival"), ("1,2,0,4", "positive")],
)
def test_csv_errors_name_the_line(row: str, problem: str) -> None:
    with pytest.raises(ValueError, match=f"line 3: .*{problem}"):
        read_evs_csv(f"arrival,departure,energy_kwh,max_kw\n1,2,3,4\n{row}\n", START)


def test_generator_is_seeded_sorted_and_within_the_horizon() -> None:
    evs = generate_evs(200, START, seed=7, horizon_h=24)
    assert evs == generate_evs(200, START, seed=7, horizon_h=24)
    assert evs != generate_evs(200, START, seed=8, horizon_h=24)
    assert [ev.arrival for ev in evs] == sorted(ev.arrival for ev in evs)
    assert all(START <= ev.arrival < ev.departure <= START + timedelta(hours=24) for ev in evs)
    assert all(5 <= ev.energy_kwh <= 60 and ev.max_kw in (3.7, 7.4, 11.0, 22.0) for ev in evs)


def test_station_specs_alternate_versions() -> None:
    specs = station_specs(3, connectors=4, password="pw")
    assert [(s.station_id, s.ocpp_version, s.connectors, s.password) for s in specs] == [
        ("SIM-0001", "1.6", 4, "pw"),
        ("SIM-0002", "2.0.1", 4, "pw"),
        ("SIM-0003", "1.6", 4, "pw"),
    ]
