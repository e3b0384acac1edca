"""`fera simulate`: on the CPO's clock, against its gateway; a refused station is named, the help is true."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from fera.cli import app
from fera.cli.simulate import _clock
from fera.config import ClockConfig, NodeConfig, StationConfig
from fera.ocpp.simulator import station_specs
from fera.server import free_port
from tests.integration.cli import fera, one_line_failure, write_config
from tests.nodes import NodeFactory, role


def _cpo(**settings: object) -> NodeConfig:
    return NodeConfig.model_validate(
        {"public_url": "http://127.0.0.1:8000", "roles": [role("CPO")]} | settings
    )


async def test_a_station_the_gateway_refuses_is_named(node_factory: NodeFactory, tmp_path: Path) -> None:
    ocpp = free_port()
    station = StationConfig.model_validate(
        {"id": "CS-0001", "location": "L", "evses": [{"ocpp_id": 1, "evse_uid": "E"}]}
    )
    cpo = await node_factory(role("CPO"), name="cpo", ocpp_listen=f"127.0.0.1:{ocpp}", stations=[station])
    config = str(write_config(cpo.node.config, tmp_path / "cpo.toml"))

    one = ("--stations", "1", "--evs", "0", "--speed", "1")  # the CPO runs in real time
    refused = await fera("simulate", "-c", config, *one)
    admitted = await fera("simulate", "-c", config, *one, "--prefix", "CS-")
    ahead = await fera("simulate", "-c", config, "--stations", "1", "--evs", "0", "--prefix", "CS-")
    nowhere = await fera("simulate", "--url", f"ws://127.0.0.1:{free_port()}/ocpp", "--stations", "1")

    one_line_failure(refused, "station SIM-0001: the gateway refused it (HTTP 401)", "[[stations]]")
    assert admitted.code == 0 and admitted.lines == ["0/0 EVs charged, 0.0 of 0.0 kWh delivered, peak 0.0 kW"]
    note = "Note: cpo runs in real time; stations run x360 ahead (--speed 1 keeps step)"
    assert ahead.code == 0 and ahead.lines[0] == note, ahead.out
    one_line_failure(nowhere, "cannot reach the OCPP gateway at ws://127.0.0.1:")


def test_the_help_names_the_ids_it_makes() -> None:
    result = CliRunner().invoke(app, ["simulate", "--help"])
    text = " ".join(result.output.replace("│", " ").split())  # the help as read, whatever its wrapping

    assert "Station ids are PREFIX0001, PREFIX0002, ..." in text
    assert "(default: the CPO's [clock], else 360)" in text  # not eaten as markup
    assert [s.station_id for s in station_specs(2)] == ["SIM-0001", "SIM-0002"]


def test_the_clock_is_the_cpos_own() -> None:
    wall = datetime.now(UTC)
    started = wall - timedelta(minutes=10)
    demo = _cpo(clock=ClockConfig(start=datetime(2026, 3, 1, 6, tzinfo=UTC), real_start=started, speed=60))

    simulated, at, speed = _clock(demo, None)
    real, real_at, real_speed = _clock(_cpo(), 1.0)

    assert speed == 60 and at >= wall
    assert abs(simulated - datetime(2026, 3, 1, 16, tzinfo=UTC)) < timedelta(minutes=5)  # 10 min x 60
    assert real == real_at and abs(real - wall) < timedelta(seconds=30) and real_speed == 1.0  # not the hour


async def test_an_ev_csv_without_its_header_is_refused(tmp_path: Path) -> None:
    evs = tmp_path / "evs.csv"
    evs.write_text("08:00,12:00,20,11\n")

    run = await fera("simulate", "--url", "ws://127.0.0.1:9/ocpp", "--csv", str(evs))

    one_line_failure(run, "EV CSV: the first line must be its header (missing: arrival, departure")
    assert run.code == 2


async def test_an_ev_bound_for_a_station_not_simulated_is_refused(tmp_path: Path) -> None:
    evs = tmp_path / "evs.csv"
    evs.write_text("arrival,departure,energy_kwh,max_kw,station,connector\n0.1,1,10,11,1,1\n")
    too_many = tmp_path / "connector.csv"
    too_many.write_text("arrival,departure,energy_kwh,max_kw,station,connector\n0.1,1,10,11,SIM-0001,3\n")

    unknown = await fera("simulate", "--url", "ws://127.0.0.1:9/ocpp", "--stations", "1", "--csv", str(evs))
    connector = await fera("simulate", "--url", "ws://127.0.0.1:9/ocpp", "--csv", str(too_many))

    one_line_failure(unknown, "evs.csv: EV 1: station '1' is not simulated (stations: SIM-0001)")
    one_line_failure(connector, "connector.csv: EV 1: SIM-0001 has connectors 1 to 2, not 3")
    assert unknown.code == connector.code == 2


async def test_no_ev_charged_is_a_failure_that_says_why(node_factory: NodeFactory, tmp_path: Path) -> None:
    ocpp = free_port()
    station = StationConfig.model_validate({"id": "CS-0001", "location": "L"})
    cpo = await node_factory(role("CPO"), name="cpo", ocpp_listen=f"127.0.0.1:{ocpp}", stations=[station])
    config = str(write_config(cpo.node.config, tmp_path / "cpo.toml"))
    evs = tmp_path / "evs.csv"
    evs.write_text("arrival,departure,energy_kwh,max_kw\n0.01,0.05,5,11\n")  # its token: no eMSP gave it

    run = await fera("simulate", "-c", config, "--stations", "1", "--prefix", "CS-", "--csv", str(evs))

    assert run.code == 1, run.out
    assert "Traceback" not in run.out
    assert "0/1 EVs charged" in run.out and "1 EVs were refused at the station" in run.out, run.out
    assert run.lines[-1].startswith("Error: no EV charged: see the reasons above"), run.out
