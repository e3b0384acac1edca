"""`fera demo`: three platforms as separate processes, simulated stations, a day of EVs, all topologies.

1. Configuration files, then the operators' data (CPO locations, eMSP tokens), then three `fera serve`
   processes on loopback ports. Where everything is (workdir, logs, dashboards) is printed first.
2. The real credentials handshake between them, through each node's admin API (so each serving process
   synchronises with its new partner itself).
3. Simulated OCPP stations connect to the CPO's gateway and EVs arrive over an accelerated day; an hour
   before mid-run the grid operator announces a capacity cut from mid-run (to the CPO and to the SCSP), and
   prices for the rest of the run arrive (to the eMSP and the SCSP).
4. A report read from the nodes' own databases and the stations' power timelines, against the hindsight
   bound (`fera.demo.bound`); the full tables go to `report.txt` in the workdir.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import tomli_w
from rich.console import Console
from rich.live import Live

from fera.config import NodeConfig
from fera.demo import records
from fera.demo.bound import hindsight
from fera.demo.drivers import state_preferences
from fera.demo.processes import NodeProcess, start_node_process
from fera.demo.progress import Progress
from fera.demo.render import show, write_full, write_power
from fera.demo.report import DemoReport, build_report, topology_figures
from fera.demo.scenario import SITES, Scenario
from fera.demo.seed import seed
from fera.demo.signals import admin, cut_signals, price_signals, signals_at_start
from fera.ocpp.simulator import SimulationConfig, SimulationReport, run_simulation
from fera.server import free_port

__all__ = ["POWER_FILE", "REPORT_FILE", "run_demo"]

# Stations report every 15 simulated minutes (and whenever their limit changes): at x480 a one-minute
# interval would be eight OCPP readings per real second per car, each stored, and as many session PATCHes
# (the CPO's `session_update_interval_s`, 60 s on the simulated clock, is an eighth of a real second here),
# which two cores can't carry.
METER_INTERVAL_S = 900.0
# Real seconds from writing the configuration (after seeding) to the simulated day's first instant: room for
# three node processes to start and register. On a loaded machine that is not enough (over 50 s under a load
# of 18 on two cores): then the day starts later (`START_LEAD_S` after registration) instead.
SETUP_S = 30.0
START_LEAD_S = 10.0  # real seconds from registration to the first arrival: the signals, the stations' boot
NAMES = ("cpo", "emsp", "scsp")
REPORT_FILE = "report.txt"
POWER_FILE = "power.csv"  # every connector's power over simulated time, as the stations drew it


async def run_demo(
    console: Console,
    scenario: Scenario,
    workdir: Path | None = None,
    *,
    keep_running: bool = False,
    serve_args: Sequence[str] = (),
) -> DemoReport:
    """Run the day, show the report (full tables in `workdir/report.txt`) and return it. With
    `keep_running`, the nodes stay up after the report until the task is cancelled (Ctrl-C). `serve_args`
    go to every node's `fera serve` (its --log-level and --log)."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="fera-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in (*NAMES, "ocpp")}
    _where(console, workdir, scenario.configs(ports, str(workdir), datetime.now(UTC)))
    nodes: dict[str, NodeProcess] = {}
    try:
        await seed(scenario.configs(ports, str(workdir), datetime.now(UTC)), scenario)  # no clock needed
        real_start = datetime.now(UTC) + timedelta(seconds=SETUP_S)  # seeding is done: time the rest
        configs = scenario.configs(ports, str(workdir), real_start)
        await _start_nodes(console, workdir, configs, nodes, serve_args)
        progress = Progress(console, configs, scenario, real_start)
        report = await _day(console, configs, progress, ports["ocpp"], workdir)
        write_full(report, workdir / REPORT_FILE)
        show(report, console, workdir / REPORT_FILE)
        if keep_running:
            await _stay_up(console, report)
        return report
    finally:
        for node in nodes.values():
            node.stop()
        if nodes:
            console.print(f"The nodes have stopped; their logs and databases stay in {workdir}")


async def _start_nodes(
    console: Console,
    workdir: Path,
    configs: dict[str, NodeConfig],
    nodes: dict[str, NodeProcess],
    serve_args: Sequence[str],
) -> None:
    """All three at once (their start-up is mostly waiting for imports); `nodes` gets each one that started,
    so the caller stops them whatever happens."""

    async def start(name: str) -> None:
        path = _write(workdir, configs[name])
        nodes[name] = await start_node_process(configs[name], path, workdir / f"{name}.log", serve_args)
        console.print(f"[green]✓[/] {name} node up (pid {nodes[name].process.pid})")

    failures = [r for r in await asyncio.gather(*map(start, NAMES), return_exceptions=True) if r is not None]
    if failures:
        raise failures[0]


def _where(console: Console, workdir: Path, configs: dict[str, NodeConfig]) -> None:
    console.print(f"Workdir: {workdir}")
    console.print(f"  configs, databases and logs: {', '.join(f'{n}.log' for n in NAMES)}")
    for name in NAMES:
        console.print(f"Dashboard of the {name}: {configs[name].public_url}/dashboard")


async def _stay_up(console: Console, report: DemoReport) -> None:
    """Until Ctrl-C (which cancels this task): then the run ends as the report says, not as an interrupt."""
    verdict = "passed" if report.passed else "failed"
    for name, url in report.dashboards.items():
        console.print(f"Dashboard of the {name}: {url}")
    console.print(f"Nodes and dashboards stay up; Ctrl-C stops them (the run {verdict}, and exits so).")
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()  # the interrupt was the expected end, not a failure


async def _day(
    console: Console, configs: dict[str, NodeConfig], progress: Progress, ocpp_port: int, workdir: Path
) -> DemoReport:
    scenario = progress.scenario
    async with httpx.AsyncClient(timeout=30) as http:
        for initiator, receiver in (("emsp", "cpo"), ("scsp", "cpo"), ("scsp", "emsp")):
            await _handshake(http, configs[initiator], configs[receiver])
            console.print(f"[green]✓[/] {initiator} registered with {receiver} (tokens A → B → C)")
        shift = progress.start_by(timedelta(seconds=START_LEAD_S))
        if shift:
            scenario = progress.scenario
            late = f"{shift.total_seconds() / 60:.0f} simulated min"
            progress.event(f"set-up overran: the day starts {late} later, at {scenario.start:%H:%M}")
        await signals_at_start(http, configs, scenario)
        flexibility: list[dict[str, Any]] = []

        async def capture() -> None:  # while cars are there: after the day they are all gone
            path = f"/flexibility?group_id={SITES[1].location_id}"
            flexibility.extend(await admin(http, configs["scsp"], "GET", path))

        watch = asyncio.create_task(progress.at(scenario.cut_at + timedelta(minutes=30), capture))
        simulation = await _play(http, configs, progress, ocpp_port)
        write_power(simulation, workdir / POWER_FILE)
        await asyncio.wait({watch}, timeout=10)
        watch.cancel()
    await _settle(configs)
    report = await _report(configs, scenario, simulation)
    report.flexibility = flexibility
    return report


def _write(workdir: Path, config: NodeConfig) -> Path:
    raw = config.model_dump(mode="json", exclude_none=True)
    sections = {
        k: raw.pop(k) for k in ("roles", "contracts", "delegations", "sites", "stations", "clock") if k in raw
    }
    path = workdir / f"{config.name}.toml"
    path.write_text(tomli_w.dumps({"node": raw, **{k: v for k, v in sections.items() if v}}))
    return path


async def _handshake(http: httpx.AsyncClient, initiator: NodeConfig, receiver: NodeConfig) -> None:
    invitation = await admin(http, receiver, "POST", "/partners/invite", json={"name": initiator.name})
    body = {"versions_url": invitation["versions_url"], "token_a": invitation["token_a"]}
    await admin(http, initiator, "POST", "/partners/register", json=body)


def _events(
    http: httpx.AsyncClient, configs: dict[str, NodeConfig], progress: Progress
) -> list[asyncio.Task[None]]:
    scenario = progress.scenario
    cuts = ", ".join(f"{s.location_id} {s.capacity_kw:g} -> {s.cut_kw:g} kW" for s in SITES)

    async def announce() -> None:
        await cut_signals(http, configs, scenario)
        progress.event(f"cut announced by the grid operator, from {scenario.cut_at:%H:%M} (mid-run): {cuts}")
        await price_signals(http, configs, scenario)
        progress.event(f"prices from {scenario.cut_at:%H:%M} arrived at the eMSP and the SCSP")

    async def applied() -> None:  # a few simulated minutes in: what the stations draw under the cut
        progress.event(f"cut applied: the stations draw {progress.site_loads()}")

    return [
        asyncio.create_task(progress.at(scenario.cut_at - timedelta(hours=1), announce)),
        asyncio.create_task(progress.at(scenario.cut_at + timedelta(minutes=5), applied)),
    ]


async def _play(
    http: httpx.AsyncClient, configs: dict[str, NodeConfig], progress: Progress, ocpp_port: int
) -> SimulationReport:
    scenario = progress.scenario
    specs = scenario.station_specs()
    config = SimulationConfig(
        url=f"ws://127.0.0.1:{ocpp_port}/ocpp",
        stations=tuple(s for s, _ in specs),
        evs=scenario.ev_arrivals(),
        start=progress.clock_start,  # the nodes' clock; the day on it may have started later
        speed=scenario.speed,
        real_start=progress.real_start,
        meter_interval_s=METER_INTERVAL_S,
        groups={s.station_id: site.location_id for s, site in specs},
    )
    late = progress.now() - scenario.start
    if late > timedelta(minutes=1):
        progress.event(f"set-up overran: stations connect {late.total_seconds() / 60:.0f} simulated min late")
    simulation = asyncio.create_task(run_simulation(config, progress.tracker))
    events = _events(http, configs, progress)
    evs = config.evs if scenario.preferences else ()
    drivers = asyncio.create_task(state_preferences(http, configs, progress, evs))
    try:
        await _follow(progress, simulation)
        await asyncio.wait({drivers}, timeout=10)  # each driver is done by departure
    finally:
        for task in (*events, drivers):
            task.cancel()
    answers = drivers.result() if drivers.done() and not drivers.cancelled() else Counter[str]()
    progress.event(f"the last car has left; {len(config.evs)} visits over")
    if scenario.preferences:
        stated = ", ".join(f"{count} {answer}" for answer, count in sorted(answers.items()))
        progress.event(f"drivers stated departure and energy need, the CPO answered: {stated}")
    return simulation.result()


async def _follow(progress: Progress, simulation: asyncio.Task[SimulationReport]) -> None:
    """A live table on a terminal; in a log, lines every simulated hour (a live table is unreadable there)."""
    if progress.console.is_terminal:
        with Live(console=progress.console, refresh_per_second=2, transient=True) as live:
            while not simulation.done():
                live.update(await progress.live())
                await asyncio.wait({simulation}, timeout=2.0)
        return
    while not simulation.done():
        progress.console.print(await progress.lines())
        await asyncio.wait({simulation}, timeout=3600 / progress.scenario.speed)


async def _settle(configs: dict[str, NodeConfig], rounds: int = 20) -> None:
    """Results of the last requests may still be on their way: wait (bounded) until none is outstanding."""
    for _ in range(rounds):
        pending = [
            r for name in ("emsp", "scsp") for r in await records.requests(configs[name]) if not r.state.final
        ]
        if not pending:
            return
        await asyncio.sleep(0.5)  # other processes: polling their stores is the only way to see


async def _report(
    configs: dict[str, NodeConfig], scenario: Scenario, simulation: SimulationReport
) -> DemoReport:
    emsp, scsp = await records.requests(configs["emsp"]), await records.requests(configs["scsp"])
    partners = await records.partner_ids(configs["scsp"])
    cpo_at_scsp, emsp_at_scsp = partners.get("cpo", ""), partners.get("emsp", "")
    topologies = {
        "A": topology_figures([r for r in emsp if r.upstream_partner_id is None]),
        "B": topology_figures([r for r in scsp if r.partner_id == emsp_at_scsp]),
        "C": topology_figures([r for r in scsp if r.partner_id == cpo_at_scsp]),
    }
    dashboards = {name: f"{configs[name].public_url}/dashboard" for name in NAMES}
    bound = await asyncio.to_thread(hindsight, simulation.sessions, scenario)  # HiGHS: off the event loop
    limited_by = await records.limiters(configs["cpo"])
    return build_report(scenario, simulation, bound, topologies, dashboards, limited_by)
