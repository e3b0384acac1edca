"""`[[stations]]` and `ocpp_listen` in a node's TOML, and the station directory built from them."""

from __future__ import annotations

from pathlib import Path

import pytest

import fera.cpo.stations as stations_package
from fera.config_file import load_config
from fera.cpo.stations import EvseRef, StationDirectory

TOML = """
[node]
public_url = "http://127.0.0.1:8001"
ocpp_listen = "127.0.0.1:9000"
ocpp_call_timeout_s = 5

[[roles]]
role = "CPO"
country_code = "NL"
party_id = "FCP"
name = "FERA CPO"

[[stations]]
id = "CS-0001"
password = "s3cret"
location = "LOC1"
evses = [
  { ocpp_id = 1, evse_uid = "LOC1-E1", connector_id = "2" },
  { ocpp_id = 2, evse_uid = "LOC1-E2" },
]

[[stations]]
id = "CS-0002"
location = "LOC2"
evses = [{ ocpp_id = 1, evse_uid = "LOC2-E1" }]
"""


def test_stations_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "cpo.toml"
    path.write_text(TOML)
    config = load_config(path)
    assert (config.ocpp_listen, config.ocpp_call_timeout_s) == ("127.0.0.1:9000", 5.0)
    directory = StationDirectory(config.stations)
    assert directory.admitted() == {"CS-0001": "s3cret", "CS-0002": None}
    assert directory.evse("CS-0001", 1) == EvseRef("LOC1", "LOC1-E1", "2")
    assert directory.evse("CS-0001", 2) == EvseRef("LOC1", "LOC1-E2", "1")
    assert directory.evse("CS-0001", 3) is None and directory.evse("NOPE", 1) is None
    assert [ref.evse_uid for ref in directory.evses("CS-0002")] == ["LOC2-E1"]


def test_duplicate_station_ids_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "cpo.toml"
    path.write_text(TOML.replace('id = "CS-0002"', 'id = "CS-0001"'))
    with pytest.raises(ValueError, match="unique"):
        StationDirectory(load_config(path).stations)


def test_exports() -> None:
    assert sorted(stations_package.__all__) == [
        "Authorization",
        "CpoStationEvents",
        "CpoStations",
        "EvseRef",
        "KnownStation",
        "StationAuthorizer",
        "StationBindings",
        "StationDirectory",
        "cdr_token",
        "stations_parts",
    ]


def test_evses_may_be_left_to_be_learnt(tmp_path: Path) -> None:
    path = tmp_path / "cpo.toml"
    path.write_text(TOML.replace('evses = [{ ocpp_id = 1, evse_uid = "LOC2-E1" }]\n', ""))
    directory = StationDirectory(load_config(path).stations)
    station = directory.station("CS-0002")
    assert station is not None and (station.location, station.evses) == ("LOC2", [])
    assert directory.evses("CS-0002") == [] and directory.evse("CS-0002", 1) is None
