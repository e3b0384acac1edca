"""Site load management when a CPO is several processes on PostgreSQL: a site's stations on two gateways
(`fera serve --parts gateway`), its profiles applied by a worker (`--parts worker`), the API in the test
process. Sessions start at both gateways at once and a profile arrives through the worker: each computes
the site's shares under the site's lock, from what the database says the stations may enforce, so the sum
of the limits the stations hold never goes over the fuse. The worker killed (SIGKILL) while its round is
lowering the stations: a new worker finishes the round it left.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fera.config import SiteConfig, StationConfig
from fera.ocpp.simulator import StationSpec
from fera.sessions_events import SessionChanged
from tests.integration.chargingprofiles.setup import amps
from tests.integration.ocpp.roaming import RoamingStation
from tests.integration.scaleout.test_gateways import PATIENCE_S, Layout, running_layout
from tests.nodes import NodeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(420)]

FUSE_A = 32.0  # per phase, at the site's connection
W_PER_A = 230 * 3  # every station here is three-phase: an amp on each phase
SPECS = {
    "A1": StationSpec("A1", "1.6", connectors=1),
    "A2": StationSpec("A2", "2.0.1", connectors=1),
    "B1": StationSpec("B1", "2.0.1", connectors=1),
    "B2": StationSpec("B2", "1.6", connectors=1),
}
EVSES = {name: f"LOC1-E{n}" for n, name in enumerate(SPECS, start=1)}
STATIONS = [
    StationConfig.model_validate({"id": name, "location": "LOC1", "evses": [{"ocpp_id": 1, "evse_uid": uid}]})
    for name, uid in EVSES.items()
]


@dataclass
class Fuse:
    """Watches the site's fuse: at every instant a station installs or clears a profile, the sum over the
    charging connectors of what each may draw (A per phase) at that instant."""

    stations: dict[str, RoamingStation]
    worst: float = 0.0
    moved: asyncio.Event = field(default_factory=asyncio.Event)
    trip: Callable[[dict[str, float]], None] | None = None  # told every change (the test's hook)

    def __post_init__(self) -> None:
        for station in self.stations.values():
            station.model.connectors[1].on_limit = lambda _at: self._moved()

    def amps(self) -> dict[str, float]:
        drawn = {}
        for name, station in self.stations.items():
            connector, now = station.model.connectors[1], station.model.clock.now()
            running = connector.transaction_id is not None
            drawn[name] = round(station.model.limit_w(1, now) / W_PER_A, 2) if running else 0.0
        return drawn

    def _moved(self) -> None:
        drawn = self.amps()
        self.worst = max(self.worst, sum(drawn.values()))
        if self.trip is not None:
            self.trip(drawn)
        self.moved.set()

    async def until(self, expected: dict[str, float]) -> None:
        """Until each station named holds its limit (A per phase)."""
        async with asyncio.timeout(PATIENCE_S):
            while True:
                self.moved.clear()
                drawn = self.amps()
                if all(drawn[name] == pytest.approx(a, abs=0.05) for name, a in expected.items()):
                    return
                await self.moved.wait()


@pytest.fixture
async def layout(node_factory: NodeFactory, tmp_path: Path) -> AsyncIterator[Layout]:
    site = SiteConfig(location="LOC1", phase_amps=FUSE_A)
    async with running_layout(
        node_factory, tmp_path, STATIONS, len(EVSES), len(SPECS), sites=[site]
    ) as built:
        yield built


def at_evse(evse_uid: str) -> Callable[[SessionChanged], bool]:
    return lambda event: event.session.evse_uid == evse_uid


async def plug_in(layout: Layout, stations: dict[str, RoamingStation], *names: str) -> dict[str, str]:
    """The stations (on the gateway their name starts with) start charging at once: station -> session id,
    as the eMSP received them."""

    async def one(name: str) -> None:
        station = stations[name]
        await station.connect(layout.url(name[0]))
        await station.start(f"SIM{list(SPECS).index(name):06d}")

    await asyncio.gather(*(one(name) for name in names))
    sessions = {}
    for name in names:
        started = await layout.sessions.wait(at_evse(EVSES[name]), 0, PATIENCE_S)
        sessions[name] = started.session.id
    return sessions


async def steer(layout: Layout, session_id: str, limit: float | None) -> str:
    """A profile (None: a clear) from the eMSP; its request id."""
    sender = layout.sender
    if limit is None:
        return (await sender.clear_profile(layout.cpo_id, session_id)).id
    return (await sender.set_profile(layout.cpo_id, session_id, amps((0, limit)))).id


async def test_the_fuse_holds_across_processes_and_a_killed_worker_s_round_is_finished(
    layout: Layout,
) -> None:
    await layout.gateway("A")
    await layout.gateway("B")
    await layout.serve("worker", "worker")
    stations = {name: RoamingStation(spec) for name, spec in SPECS.items()}
    layout.roaming = list(stations.values())
    fuse = Fuse(stations)

    sessions = await plug_in(layout, stations, "A1", "B1")  # each gateway shares the site
    await fuse.until({"A1": 16.0, "B1": 16.0})
    request = await steer(layout, sessions["B1"], 4.0)  # applied by the worker, which rebalances
    assert (await layout.sender.wait(request, timeout=PATIENCE_S)).result == {"result": "ACCEPTED"}
    await fuse.until({"A1": 28.0, "B1": 4.0})
    sessions |= await plug_in(layout, stations, "A2", "B2")  # two gateways rebalance at the same time
    await fuse.until({"A1": 9.3, "A2": 9.3, "B1": 4.0, "B2": 9.3})  # 28 A for three: 9.33, rounded down
    assert fuse.worst <= FUSE_A  # without the site's lock: 47.9 A, each gateway handing out the room

    worker = layout.processes["worker"]
    killed = asyncio.Event()

    def kill_when_lowered(drawn: dict[str, float]) -> None:
        # The first station lowered to 8 A by the worker's round: the worker dies before it has the answer,
        # with B1's raise (to 8 A) not sent.
        if not killed.is_set() and any(drawn[name] == pytest.approx(8.0) for name in ("A1", "A2", "B2")):
            os.kill(worker.pid, signal.SIGKILL)
            killed.set()

    fuse.trip = kill_when_lowered
    # B1 may have its share now: 8 A each. (Its result is not asserted: a worker killed before the job's
    # commit leaves it to the next worker, which finds the profile cleared: UNKNOWN, after ACCEPTED.)
    await steer(layout, sessions["B1"], None)
    async with asyncio.timeout(PATIENCE_S):
        await killed.wait()
        await worker.wait()
    await layout.serve("worker2", "worker")  # finds the round left unfinished, and runs it
    await fuse.until({name: 8.0 for name in SPECS})
    assert fuse.worst <= FUSE_A
