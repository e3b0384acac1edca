"""Two `fera serve --parts gateway` processes share a CPO's stations on PostgreSQL; a `--parts worker`
process runs the ChargingProfiles jobs; the CPO's API runs in the test process (`--parts api`).

Stations of both OCPP versions connect to one gateway or the other; every job reaches its station through
the gateway holding it (the database records which one) and its result reaches the eMSP. A gateway killed
with SIGKILL: its stations reconnect to the other one with their transactions running, their meter values
go on updating their sessions, and commands reach them there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from fera.config import StationConfig
from fera.cpo import cpo_of
from fera.cpo.stations.routing import ALIVE_S
from fera.emsp import emsp_of
from fera.ocpp.simulator import SimulationConfig, SimulationReport, StationSpec, run_simulation
from fera.parts import Process
from fera.server import free_port
from fera.sessions_events import SessionChanged, TokenChanged
from fera.smartcharging.sender import ProfileSender
from tests.integration.chargingprofiles.setup import amps, location
from tests.integration.cli import SRC, write_config
from tests.integration.ocpp.roaming import RoamingStation
from tests.integration.stations.stage import Recorder, ev, power_w, token
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(420)]

PATIENCE_S = 120  # generous: a loaded two-core machine starts Python processes slowly
SPECS = {  # gateway -> its stations, of both OCPP versions
    "A": (StationSpec("A16", "1.6", connectors=1), StationSpec("A201", "2.0.1", connectors=1)),
    "B": (StationSpec("B16", "1.6", connectors=1), StationSpec("B201", "2.0.1", connectors=1)),
}
EVSES = {"A16": "LOC1-E1", "A201": "LOC1-E2", "B16": "LOC1-E3", "B201": "LOC1-E4"}
STATIONS = [
    StationConfig.model_validate(
        {"id": station, "location": "LOC1", "evses": [{"ocpp_id": 1, "evse_uid": evse}]}
    )
    for station, evse in EVSES.items()
]


@dataclass
class Layout:
    """The node's processes and the simulated stations driven against its gateways."""

    cpo: RunningNode  # the API, in this process
    emsp: RunningNode
    cpo_id: str  # the CPO as the eMSP's partner
    config: Path
    sessions: Recorder[SessionChanged]  # as the eMSP receives them
    processes: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    runs: list[asyncio.Task[SimulationReport]] = field(default_factory=list)
    roaming: list[RoamingStation] = field(default_factory=list)

    @property
    def sender(self) -> ProfileSender:
        assert self.emsp.node.profile_sender is not None
        return self.emsp.node.profile_sender

    async def serve(self, name: str, parts: str, *args: str) -> None:
        env = os.environ | {"PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.processes[name] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "fera", "serve", "--parts", parts, "-c", str(self.config), *args,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=env,
        )  # fmt: skip

    async def gateway(self, name: str) -> None:
        """A gateway process on a port of its own, once it accepts connections."""
        self.ports[name] = port = free_port()
        await self.serve(name, "gateway", "--ocpp-listen", f"127.0.0.1:{port}")
        async with asyncio.timeout(PATIENCE_S):
            while True:
                with contextlib.suppress(OSError):
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    return
                await asyncio.sleep(0.2)  # a process starting: nothing to await but its port

    def url(self, gateway: str) -> str:
        return f"ws://127.0.0.1:{self.ports[gateway]}/ocpp"

    def simulate(self, gateway: str, specs: tuple[StationSpec, ...]) -> None:
        config = SimulationConfig(
            self.url(gateway),
            specs,
            tuple(ev(spec.station_id, 1) for spec in specs),
            datetime.now(UTC),
            speed=60.0,
            meter_interval_s=30.0,
            timeout_s=30.0,
        )
        self.runs.append(asyncio.create_task(run_simulation(config)))

    async def charging(self, count: int, known: Collection[str] = ()) -> dict[str, str]:
        """`count` new sessions (not in `known`) that metered power, as the eMSP received them: session id ->
        the station it runs on."""
        found: dict[str, str] = {}
        stations = {evse: station for station, evse in EVSES.items()}
        async with asyncio.timeout(PATIENCE_S):
            while len(found) < count:
                with contextlib.suppress(TimeoutError):  # quiet for a while (a loaded machine): keep waiting
                    event = await self.sessions.wait(
                        lambda e: e.session.id not in {*known, *found} and power_w(e) is not None
                    )
                    found[event.session.id] = stations[event.session.evse_uid]
        return found

    async def metered(self, session_id: str, watts: float, after: int) -> None:
        """Until the eMSP receives the session's update with this power (from event `after` on)."""
        async with asyncio.timeout(PATIENCE_S):
            while not any(
                e.session.id == session_id and power_w(e) == watts for e in self.sessions.items[after:]
            ):
                with contextlib.suppress(TimeoutError):  # no update for a while: keep waiting
                    await self.sessions.wait(lambda _: True, len(self.sessions.items))

    async def holders(self) -> dict[str, str]:
        """Station -> the pid of the gateway process holding it, as the database records it."""
        async with self.cpo.node.database.unit_of_work() as uow:
            held = await uow.station_presence.held(datetime.now(UTC) - timedelta(seconds=ALIVE_S))
        return {station: gateway.split("/")[1] for station, gateway in held.items()}

    async def stop(self) -> None:
        for station in self.roaming:
            await station.close()
        for task in self.runs:
            task.cancel()
        await asyncio.gather(*self.runs, return_exceptions=True)
        for process in self.processes.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            await asyncio.wait_for(process.wait(), PATIENCE_S)


@asynccontextmanager
async def running_layout(
    node_factory: NodeFactory, tmp_path: Path, stations: list[StationConfig], evses: int, tokens: int,
    **cpo_settings: Any,
) -> AsyncIterator[Layout]:  # fmt: skip
    """A CPO (API in this process; gateways and workers as `Layout` starts them) with one location of
    `evses` EVSEs, and an eMSP whose tokens SIM000000... the simulated cars present."""
    cpo = await node_factory(
        role("CPO", party="CPO"),
        name="cpo",
        processes=frozenset({Process.API}),
        ocpp_listen="127.0.0.1:0",  # each gateway process is given its own (--ocpp-listen)
        ocpp_call_timeout_s=10.0,
        stations=stations,
        profile_result_timeout_s=60,
        **cpo_settings,
    )
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    partner, _ = await connect(emsp, cpo)
    await cpo_of(cpo.node).locations.put_location(location("LOC1", evses=evses))
    recorded = Recorder(cpo.node.events, TokenChanged)
    for n in range(tokens):
        await emsp_of(emsp.node).tokens.put_token(token(f"SIM{n:06d}"))
    await recorded.wait(lambda _: len({e.token.uid for e in recorded.items}) >= tokens)
    config = write_config(cpo.node.config, tmp_path / "cpo.toml")
    built = Layout(cpo, emsp, partner.id, config, Recorder(emsp.node.events, SessionChanged))
    try:
        yield built
    finally:
        await built.stop()


@pytest.fixture
async def layout(node_factory: NodeFactory, tmp_path: Path) -> AsyncIterator[Layout]:
    # each simulation's cars present SIM000000, SIM000001
    async with running_layout(node_factory, tmp_path, STATIONS, len(EVSES), 2) as built:
        yield built


async def result(layout: Layout, request_id: str) -> dict[str, object] | None:
    return (await layout.sender.wait(request_id, timeout=PATIENCE_S)).result


async def steered(layout: Layout, session_id: str, limit: float) -> None:
    """Set, then read back from the station (its composite schedule holds the limit)."""
    sender, cpo = layout.sender, layout.cpo_id
    done = await result(layout, (await sender.set_profile(cpo, session_id, amps((0, limit)))).id)
    assert done == {"result": "ACCEPTED"}, session_id
    got = await result(layout, (await sender.get_active_profile(cpo, session_id, 900)).id)
    assert got is not None and got["result"] == "ACCEPTED", session_id
    profile = got["profile"]
    assert isinstance(profile, dict)
    assert profile["charging_profile"]["charging_profile_period"][0]["limit"] == limit


async def test_commands_reach_the_gateway_that_holds_the_station_also_after_one_is_killed(
    layout: Layout,
) -> None:
    await layout.gateway("A")
    await layout.gateway("B")
    await layout.serve("worker", "worker")
    layout.roaming = roaming = [RoamingStation(spec) for spec in SPECS["A"]]  # they will move to B
    for n, station in enumerate(roaming):
        await station.connect(layout.url("A"))
        await station.start(f"SIM{n:06d}")
        await station.meter(11_000.0)
    layout.simulate("B", SPECS["B"])
    sessions = await layout.charging(4)
    pids = {name: str(p.pid) for name, p in layout.processes.items()}
    # Each station's row names the gateway it connected to (written before its first message was handled).
    assert await layout.holders() == {station: pids[station[0]] for station in EVSES}
    stations = cpo_of(layout.cpo.node).stations
    assert stations is not None and await stations.online() == sorted(EVSES)  # what `fera status` shows
    for n, session_id in enumerate(sessions):
        await steered(layout, session_id, 6.0 + n)
    a16 = next(s for s, station in sessions.items() if station == "A16")
    cleared = await layout.sender.clear_profile(layout.cpo_id, a16)
    assert await result(layout, cleared.id) == {"result": "ACCEPTED"}

    layout.processes["A"].send_signal(signal.SIGKILL)
    await layout.processes["A"].wait()
    offline = await layout.sender.set_profile(layout.cpo_id, a16, amps((0, 7.0)))
    assert await result(layout, offline.id) == {"result": "REJECTED"}  # connected nowhere now

    mark = len(layout.sessions.items)
    for station in roaming:  # they reconnect, to the gateway that is left, their transactions running
        await station.connect(layout.url("B"))
        await station.meter(7_000.0)
    for session_id in [s for s, station in sessions.items() if station.startswith("A")]:
        await layout.metered(session_id, 7_000.0, mark)  # the binding made on A, found by B
    assert await layout.holders() == {station: pids["B"] for station in EVSES}
    for session_id in sessions:  # A's sessions through B now; B's own stations were never disturbed
        await steered(layout, session_id, 12.0)


async def test_the_dashboard_of_the_api_process_shows_the_stations_of_every_gateway(layout: Layout) -> None:
    await layout.gateway("A")
    layout.roaming = [RoamingStation(SPECS["A"][0])]  # A16, on gateway A (not this process)
    await layout.roaming[0].connect(layout.url("A"))  # booted: A holds it (written before its boot)
    async with httpx.AsyncClient(base_url=layout.cpo.url + "/dashboard") as http:
        listed = (await http.get("/stations")).text
        page = (await http.get("/stations/A16")).text
    rows = {re.sub("<[^>]+>", "", row.split("</td>")[0]): row for row in listed.split("<tr>")[2:]}  # by id
    assert set(rows) == set(EVSES)
    assert 'class="badge ok">online<' in rows["A16"]
    assert 'class="badge warn">never connected<' in rows["B16"]
    assert "connected to another gateway process of this node" in page
