"""`fera demo`: three platforms as separate processes, simulated stations, a day of EVs, all topologies.

1. Configuration files, then the operators' data (CPO locations, eMSP tokens), then three `fera serve`
   processes on loopback ports.
2. The real credentials handshake between them, through each node's admin API (so each serving process
   synchronises with its new partner itself).
3. Simulated OCPP stations connect to the CPO's gateway and EVs arrive over an accelerated day; at 11:00 the
   grid operator announces a capacity cut from noon (to the CPO and to the SCSP) and prices for the
   afternoon arrive (to the eMSP and the SCSP).
4. A report read from the nodes' own databases and the stations' meter readings.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import tomli_w
from rich.console import Console
from rich.live import Live
from rich.table import Table

from fera.config import NodeConfig
from fera.demo.processes import NodeProcess, start_node_process
from fera.demo.report import DemoReport, site_figures, topology_figures
from fera.demo.scenario import ADMIN_TOKEN, SITES, Scenario
from fera.demo.seed import seed
from fera.ocpi.sessions.models import Session
from fera.ocpi.types import format_datetime
from fera.ocpp.simulator import SimulationConfig, SimulationReport, run_simulation
from fera.server import bind
from fera.smartcharging.model import ProfileRequest
from fera.store import Database
from fera.store.records import Visibility, Window

__all__ = ["run_demo"]

# Stations report every 15 simulated minutes (and whenever their limit changes): at x480 a one-minute
# interval would be eight session PATCHes per real second per car, which two cores can't carry.
METER_INTERVAL_S = 900.0
SETUP_S = 12.0  # real seconds from writing the configuration to the simulated day's first instant
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
NAMES = ("cpo", "emsp", "scsp")


async def run_demo(
    console: Console, scenario: Scenario, workdir: Path | None = None, *, keep_running: bool = False
) -> DemoReport:
    workdir = workdir or Path(tempfile.mkdtemp(prefix="fera-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    ports = {name: _free_port() for name in (*NAMES, "ocpp")}
    real_start = datetime.now(UTC) + timedelta(seconds=SETUP_S)
    configs = scenario.configs(ports, str(workdir), real_start)
    nodes: dict[str, NodeProcess] = {}
    try:
        await seed(configs, scenario)
        for name in NAMES:
            path = _write(workdir, configs[name])
            nodes[name] = await start_node_process(configs[name], path, workdir / f"{name}.log")
            console.print(
                f"[green]✓[/] {name} node on {configs[name].public_url} (pid {nodes[name].process.pid})"
            )
        async with httpx.AsyncClient(timeout=30) as http:
            for initiator, receiver in (("emsp", "cpo"), ("scsp", "cpo"), ("scsp", "emsp")):
                await _handshake(http, configs[initiator], configs[receiver])
                console.print(f"[green]✓[/] {initiator} registered with {receiver} (tokens A → B → C)")
            await _signals_at_start(http, configs, scenario)
            flexibility: list[dict[str, Any]] = []

            async def capture() -> None:  # while cars are there: after the day they are all gone
                path = f"/flexibility?group_id={SITES[1].location_id}"
                flexibility.extend(await _admin(http, configs["scsp"], "GET", path))

            after_cut = scenario.noon + timedelta(minutes=30)
            watch = asyncio.create_task(_at(real_start, scenario, after_cut, capture))
            simulation = await _play(console, http, configs, scenario, real_start, ports["ocpp"])
            await asyncio.wait({watch}, timeout=10)
        await _settle(configs)
        report = await _report(configs, scenario, simulation)
        report.flexibility = flexibility
        if keep_running:
            report.show(console)
            console.print("Nodes and dashboards stay up; Ctrl-C ends them.")
            await asyncio.Event().wait()
        return report
    finally:
        for node in nodes.values():
            node.stop()


def _free_port() -> int:
    with bind() as sock:
        return int(sock.getsockname()[1])


def _write(workdir: Path, config: NodeConfig) -> Path:
    raw = config.model_dump(mode="json", exclude_none=True)
    sections = {
        k: raw.pop(k) for k in ("roles", "contracts", "delegations", "sites", "stations", "clock") if k in raw
    }
    path = workdir / f"{config.name}.toml"
    path.write_text(tomli_w.dumps({"node": raw, **{k: v for k, v in sections.items() if v}}))
    return path


async def _admin(http: httpx.AsyncClient, config: NodeConfig, method: str, path: str, **kw: Any) -> Any:
    response = await http.request(method, config.public_url + "/fera/admin" + path, headers=AUTH, **kw)
    body = response.json()
    if body.get("status_code") != 1000:
        raise RuntimeError(f"{config.name}: {method} {path}: {body.get('status_message')}")
    return body.get("data")


async def _handshake(http: httpx.AsyncClient, initiator: NodeConfig, receiver: NodeConfig) -> None:
    invitation = await _admin(http, receiver, "POST", "/partners/invite", json={"name": initiator.name})
    body = {"versions_url": invitation["versions_url"], "token_a": invitation["token_a"]}
    await _admin(http, initiator, "POST", "/partners/register", json=body)


def _forecast(location: str, blocks: list[tuple[datetime, datetime, float]]) -> dict[str, Any]:
    return {
        "group_id": location,
        "blocks": [
            {"capacity": kw, "unit": "KW", "start_time": format_datetime(a), "end_time": format_datetime(b)}
            for a, b, kw in blocks
        ],
    }


async def _signals_at_start(
    http: httpx.AsyncClient, configs: dict[str, NodeConfig], scenario: Scenario
) -> None:
    """The SCSP plans site B under the grid operator's forecast (the CPO knows its sites' connections)."""
    b = SITES[1]
    whole_day = [(scenario.start - timedelta(hours=1), scenario.end + timedelta(hours=12), b.capacity_kw)]
    await _admin(http, configs["scsp"], "PUT", "/capacity", json=_forecast(b.location_id, whole_day))


async def _noon_signals(http: httpx.AsyncClient, configs: dict[str, NodeConfig], scenario: Scenario) -> None:
    """Announced an hour ahead, as a grid operator's forecast is: the cut from noon, and prices."""
    later = scenario.end + timedelta(hours=12)
    for site in SITES:
        blocks = [
            (scenario.start - timedelta(hours=1), scenario.noon, site.capacity_kw),
            (scenario.noon, later, site.noon_kw),
        ]
        await _admin(http, configs["cpo"], "PUT", "/capacity", json=_forecast(site.location_id, blocks))
    b = SITES[1]
    blocks = [
        (scenario.start - timedelta(hours=1), scenario.noon, b.capacity_kw),
        (scenario.noon, later, b.noon_kw),
    ]
    await _admin(http, configs["scsp"], "PUT", "/capacity", json=_forecast(b.location_id, blocks))
    hours = max(1, int((scenario.end - scenario.noon).total_seconds() // 3600) + 2)
    prices = [0.12 if h < hours // 2 else 0.34 for h in range(hours)]  # cheap afternoon, dear evening
    event = {
        "intervalPeriod": {"start": format_datetime(scenario.noon), "duration": "PT1H"},
        "payloadDescriptors": [{"payloadType": "PRICE", "units": "KWH", "currency": "EUR"}],
        "intervals": [
            {"id": h, "payloads": [{"type": "PRICE", "values": [p]}]} for h, p in enumerate(prices)
        ],
    }
    for name in ("emsp", "scsp"):
        await _admin(http, configs[name], "PUT", "/signals", json=event)


async def _play(
    console: Console,
    http: httpx.AsyncClient,
    configs: dict[str, NodeConfig],
    scenario: Scenario,
    real_start: datetime,
    ocpp_port: int,
) -> SimulationReport:
    specs = scenario.station_specs()
    config = SimulationConfig(
        url=f"ws://127.0.0.1:{ocpp_port}/ocpp",
        stations=tuple(s for s, _ in specs),
        evs=scenario.ev_arrivals(),
        start=scenario.start,
        speed=scenario.speed,
        real_start=real_start,
        meter_interval_s=METER_INTERVAL_S,
        groups={s.station_id: site.location_id for s, site in specs},
    )
    simulation = asyncio.create_task(run_simulation(config))
    announce = scenario.noon - timedelta(hours=1)
    noon = asyncio.create_task(
        _at(real_start, scenario, announce, lambda: _noon_signals(http, configs, scenario))
    )
    with Live(console=console, refresh_per_second=2) as live:
        while not simulation.done():
            live.update(await _progress(configs, scenario, real_start))
            await asyncio.wait({simulation}, timeout=2.0)
    noon.cancel()
    return simulation.result()


async def _at(
    real_start: datetime, scenario: Scenario, when: datetime, action: Callable[[], Awaitable[None]]
) -> None:
    delay = (real_start - datetime.now(UTC)).total_seconds() + (
        when - scenario.start
    ).total_seconds() / scenario.speed
    await asyncio.sleep(max(0.0, delay))  # a point in simulated time: nothing to await but the clock
    await action()


async def _progress(configs: dict[str, NodeConfig], scenario: Scenario, real_start: datetime) -> Table:
    now = scenario.start + (datetime.now(UTC) - real_start) * scenario.speed
    table = Table(title=f"Simulated {now:%H:%M} (x{scenario.speed:g})", show_header=True)
    table.add_column("node")
    table.add_column("what it sees")
    sessions = await _sessions(configs["cpo"])
    active = sum(1 for s in sessions if s.status.value == "ACTIVE")
    kwh = sum(s.kwh for s in sessions)
    table.add_row("cpo", f"{len(sessions)} sessions, {active} charging, {kwh:.1f} kWh delivered")
    for name in ("emsp", "scsp"):
        requests = await _requests(configs[name])
        table.add_row(name, f"{len(requests)} ChargingProfile requests sent")
    return table


async def _sessions(config: NodeConfig) -> list[Session]:
    database = Database(config.database_url)
    try:
        async with database.unit_of_work() as uow:
            page = await uow.sessions.page(None, Visibility(all_locations=True), Window(0, 10_000))
        return list(page.items)
    finally:
        await database.close()


async def _requests(config: NodeConfig) -> list[ProfileRequest]:
    database = Database(config.database_url)
    try:
        async with database.unit_of_work() as uow:
            return await uow.profile_requests.all()
    finally:
        await database.close()


async def _settle(configs: dict[str, NodeConfig], rounds: int = 20) -> None:
    """Results of the last requests may still be on their way: wait (bounded) until none is outstanding."""
    for _ in range(rounds):
        pending = [
            r for name in ("emsp", "scsp") for r in await _requests(configs[name]) if not r.state.final
        ]
        if not pending:
            return
        await asyncio.sleep(0.5)  # other processes: polling their stores is the only way to see


async def _report(
    configs: dict[str, NodeConfig], scenario: Scenario, simulation: SimulationReport
) -> DemoReport:
    emsp, scsp = await _requests(configs["emsp"]), await _requests(configs["scsp"])
    partners = {name: await _partner_ids(configs[name]) for name in ("emsp", "scsp")}
    cpo_at_scsp, emsp_at_scsp = partners["scsp"].get("cpo", ""), partners["scsp"].get("emsp", "")
    topologies = {
        "A": topology_figures([r for r in emsp if r.upstream_partner_id is None]),
        "B": topology_figures([r for r in scsp if r.partner_id == emsp_at_scsp]),
        "C": topology_figures([r for r in scsp if r.partner_id == cpo_at_scsp]),
    }
    dashboards = {name: f"{configs[name].public_url}/dashboard" for name in NAMES}
    return DemoReport(simulation, site_figures(simulation, scenario), topologies, dashboards)


async def _partner_ids(config: NodeConfig) -> dict[str, str]:
    database = Database(config.database_url)
    try:
        async with database.unit_of_work() as uow:
            partners = await uow.partners.list()
    finally:
        await database.close()
    by_role = {"CPO": "cpo", "EMSP": "emsp", "SCSP": "scsp"}
    return {
        by_role[p.roles[0].role.value]: p.id for p in partners if p.roles and p.roles[0].role.value in by_role
    }
