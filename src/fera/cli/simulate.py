"""`fera simulate`: simulated stations against a CPO's OCPP gateway, on the CPO's clock."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fera.cli._common import console, fail, load
from fera.config import NodeConfig

if TYPE_CHECKING:
    from fera.ocpp.simulator import SimulationReport

__all__ = ["simulate"]


def simulate(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="The CPO's configuration: its gateway (ocpp_listen) and clock."),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(help="The CPO's OCPP gateway, e.g. ws://127.0.0.1:9000/ocpp (default: from -c)."),
    ] = None,
    stations: Annotated[int, typer.Option(min=1, help="Number of stations.")] = 4,
    connectors: Annotated[int, typer.Option(min=1, help="Connectors per station.")] = 2,
    versions: Annotated[
        str, typer.Option(help="OCPP versions, used in turn: 1.6, 2.0.1 or both.")
    ] = "1.6,2.0.1",
    evs: Annotated[int, typer.Option(min=0, help="EVs to generate (ignored with --csv).")] = 12,
    csv: Annotated[
        Path | None,
        typer.Option(help="EVs from a CSV: arrival,departure,energy_kwh,max_kw[,station,connector]."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the EV generator.")] = 1,
    hours: Annotated[float, typer.Option(min=0.1, help="Simulated hours of arrivals.")] = 24.0,
    speed: Annotated[
        float | None,
        typer.Option(
            min=1, help="Simulated seconds per real second (default: the CPO's \\[clock], else 360)."
        ),
    ] = None,
    password: Annotated[str | None, typer.Option(help="HTTP Basic password of every station.")] = None,
    prefix: Annotated[str, typer.Option(help="Station ids are PREFIX0001, PREFIX0002, ...")] = "SIM-",
) -> None:
    """Simulated stations connect over real OCPP websockets, plug in EVs and charge within their profiles.

    Simulated time starts at the CPO's time now (its \\[clock] when it has one), so stations and CPO agree."""
    from fera.ocpp.simulator import (
        SimulationConfig,
        SimulationError,
        StationRefused,
        generate_evs,
        read_evs_csv,
        run_simulation,
    )
    from fera.ocpp.simulator.config import station_specs

    cpo = load(config) if config is not None else None
    gateway = url or _gateway_url(cpo)
    start, real_start, pace = _clock(cpo, speed)
    if cpo is not None and cpo.clock is None and pace != 1:
        note = f"runs in real time; stations run x{pace:g} ahead (--speed 1 keeps step)"
        console.print(f"Note: {cpo.name} {note}")
    try:
        specs = station_specs(
            stations, connectors, [v.strip() for v in versions.split(",")], password, prefix
        )
        visits = read_evs_csv(csv.read_text(), start) if csv else generate_evs(evs, start, seed, hours)
        setup = SimulationConfig(
            url=gateway, stations=specs, evs=visits, start=start, speed=pace, real_start=real_start
        )
    except OSError as exc:
        fail(f"cannot read {csv}: {exc.strerror}", 2)
    except ValueError as exc:
        fail(f"{csv}: {exc}" if csv else str(exc), 2)
    try:
        with console.status(
            f"{len(specs)} stations, {len(visits)} EVs, x{pace:g} time, from {start:%H:%M} UTC"
        ):
            report = asyncio.run(run_simulation(setup))
    except (SimulationError, StationRefused) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted: the simulated stations hung up, their sessions unfinished", 130)
    console.print(report.summary())
    _explain(report)


# Why an EV did not charge, in the words of what to check.
_WHY = {
    "unauthorized": "were refused at the station: has the CPO their tokens (SIM000000, …) from an eMSP?",
    "no_connector": "found every connector taken, or their station's connector was not free",
}


def _explain(report: SimulationReport) -> None:
    """What the EVs that did not charge met; exit 1 when EVs came and none charged."""
    missed = Counter(s.outcome for s in report.sessions if s.transaction_id is None)
    for outcome, count in sorted(missed.items()):
        console.print(f"  {count} EVs {_WHY.get(outcome, outcome)}", highlight=False)
    if report.sessions and len(report.sessions) == sum(missed.values()):
        fail("no EV charged: see the reasons above, and the CPO's log")


def _gateway_url(cpo: NodeConfig | None) -> str:
    if cpo is None:
        fail("say where the CPO's gateway is: --url ws://HOST:PORT/ocpp, or --config with the CPO's file", 2)
    if cpo.ocpp_listen is None:
        fail(f"{cpo.name} has no OCPP gateway: set [node] ocpp_listen, or give --url", 2)
    host, port = cpo.ocpp_listen.rsplit(":", 1)
    if port == "0":
        fail(f"{cpo.name} listens for OCPP on any free port (0): give --url as `fera serve` printed it", 2)
    return f"ws://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/ocpp"


def _clock(cpo: NodeConfig | None, speed: float | None) -> tuple[datetime, datetime, float]:
    """(simulated time now, the wall-clock now, speed): the CPO's time now by its [clock], else real time."""
    from fera.clock import Clock

    wall = datetime.now(UTC)
    clock = cpo.clock if cpo is not None else None
    if clock is None:
        return wall, wall, speed or 360.0
    if speed is not None and speed != clock.speed:
        fail(
            f"the CPO's clock runs at x{clock.speed:g}: drop --speed to stay in step with it",
            2,
        )
    return Clock(clock.start, clock.real_start, clock.speed, wall=lambda: wall).now(), wall, clock.speed
