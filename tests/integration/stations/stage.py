"""A CPO node with its OCPP gateway on 127.0.0.1, an eMSP partner node, and simulated stations of both OCPP
versions driven against the gateway over real websockets."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from fera.config import ContractConfig, SiteConfig, StationConfig
from fera.cpo import cpo_of
from fera.cpo.stations import CpoStations
from fera.emsp import emsp_of
from fera.events import EventBus
from fera.ocpi.sessions.models import CdrDimensionType, Session
from fera.ocpi.tokens.models import Token
from fera.ocpi.types import format_datetime
from fera.ocpp.simulator import (
    EvArrival,
    PowerTracker,
    SimulationConfig,
    SimulationReport,
    StationSpec,
    run_simulation,
)
from fera.sessions_events import SessionChanged, TokenChanged
from fera.smartcharging.sender import ProfileSender
from tests.integration.chargingprofiles.setup import location
from tests.nodes import NodeFactory, RunningNode, connect, role

E = TypeVar("E")
WAIT_S = 20.0  # bound of every wait for an event (generous: a loaded 2-core machine)
PASSWORD = "st16-secret"
ADMIN_TOKEN = "admin-token-0123456789"
SPECS = (
    StationSpec("ST16", "1.6", connectors=2, password=PASSWORD),
    StationSpec("ST201", "2.0.1", connectors=2),
)
STATIONS = [
    StationConfig.model_validate(
        {
            "id": "ST16",
            "password": PASSWORD,
            "location": "LOC1",
            "evses": [{"ocpp_id": 1, "evse_uid": "LOC1-E1"}, {"ocpp_id": 2, "evse_uid": "LOC1-E2"}],
        }
    ),
    StationConfig.model_validate(
        {
            "id": "ST201",
            "location": "LOC1",
            "evses": [{"ocpp_id": 1, "evse_uid": "LOC1-E3"}, {"ocpp_id": 2, "evse_uid": "LOC1-E4"}],
        }
    ),
]


class Recorder(Generic[E]):
    """Every event of one type a node publishes; `wait` returns the first match (bounded, no polling)."""

    def __init__(self, bus: EventBus, kind: type[E]) -> None:
        self.items: list[E] = []
        self._arrived = asyncio.Event()
        bus.subscribe(kind, self._record)

    async def _record(self, event: E) -> None:
        self.items.append(event)
        self._arrived.set()

    async def wait(self, match: Callable[[E], bool], after: int = 0, within_s: float = WAIT_S) -> E:
        async with asyncio.timeout(within_s):
            while True:
                found = next((e for e in self.items[after:] if match(e)), None)
                if found is not None:
                    return found
                self._arrived.clear()
                await self._arrived.wait()


def power_w(event: SessionChanged) -> float | None:
    """The power (W) of the charging period a session update brought, if it brought one."""
    periods = event.patch.charging_periods if event.patch is not None else None
    dims = [d for p in periods or [] for d in p.dimensions if d.type is CdrDimensionType.POWER]
    return None if not dims else dims[-1].volume * 1000


def token(uid: str) -> Token:
    now = format_datetime(datetime.now(UTC))
    return Token.model_validate(
        {
            "country_code": "NL",
            "party_id": "MSP",
            "uid": uid,
            "type": "RFID",
            "contract_id": f"NL-MSP-{uid}",
            "issuer": "Test eMSP",
            "valid": True,
            "whitelist": "ALLOWED",
            "last_updated": now,
        }
    )


def ev(station_id: str, connector_id: int = 1, max_kw: float = 22.0) -> EvArrival:
    """A car that stays (in simulated time) far longer than any test lasts, at a given connector."""
    start = datetime.now(UTC)
    return EvArrival(start, start + timedelta(hours=30), 500.0, max_kw, station_id, connector_id)


@dataclass
class Stage:
    cpo: RunningNode
    emsp: RunningNode
    cpo_id: str  # the CPO as the eMSP's partner
    cpo_sessions: Recorder[SessionChanged]  # as the CPO publishes them
    emsp_sessions: Recorder[SessionChanged]  # as the eMSP receives them
    runs: list[asyncio.Task[SimulationReport]] = field(default_factory=list)

    @property
    def stations(self) -> CpoStations:
        stations = cpo_of(self.cpo.node).stations
        assert stations is not None
        return stations

    @property
    def sender(self) -> ProfileSender:
        assert self.emsp.node.profile_sender is not None
        return self.emsp.node.profile_sender

    def simulate(
        self,
        specs: tuple[StationSpec, ...],
        evs: tuple[EvArrival, ...],
        speed: float = 60.0,
        tracker: PowerTracker | None = None,
    ) -> asyncio.Task[Any]:
        """`tracker`: one the test watches (each connector's power over simulated time)."""
        start = datetime.now(UTC)
        config = SimulationConfig(
            self.stations.url,
            specs,
            evs,
            start,
            speed=speed,
            meter_interval_s=speed / 2,
            timeout_s=WAIT_S,  # a CPO answering a station on a loaded machine may take seconds
            # In real time the stations' clocks are the CPO's (as a station's Heartbeat keeps them): one
            # behind by its boot would take every TxProfile, which starts at the CPO's now, as not yet valid.
            real_start=start if speed == 1.0 else None,
        )
        task = asyncio.create_task(run_simulation(config, tracker))
        self.runs.append(task)
        return task

    async def charging(self, specs: tuple[StationSpec, ...], evs: tuple[EvArrival, ...]) -> list[Session]:
        """Run the stations; the eMSP's copy of each car's session once it has reported power."""
        self.simulate(specs, evs)
        found: dict[str, Session] = {}
        for _ in evs:
            event = await self.emsp_sessions.wait(
                lambda e: e.session.id not in found and power_w(e) is not None
            )
            found[event.session.id] = event.session
        return list(found.values())

    async def stop_runs(self) -> None:
        for task in self.runs:
            task.cancel()
        for task in self.runs:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, WAIT_S)


async def stage(
    node_factory: NodeFactory,
    tokens: int = 4,
    sites: list[SiteConfig] | None = None,
    stations: list[StationConfig] | None = None,
    evses: int = 4,
    contracts: list[ContractConfig] | None = None,
) -> Stage:
    """CPO (gateway on a free port, stations ST16/ST201 at LOC1 with `evses` EVSEs) and eMSP, registered;
    SIM000000.. tokens."""
    cpo = await node_factory(
        role("CPO", party="CPO"),
        name="cpo",
        ocpp_listen="127.0.0.1:0",
        ocpp_call_timeout_s=15.0,  # a station answering on a loaded machine must not look silent
        # The stations run 60x faster than the CPO's clock: hold readings 1 s, not a real minute (an hour).
        session_update_interval_s=1.0,
        stations=STATIONS if stations is None else stations,
        sites=sites or [],
        contracts=contracts or [],
        admin_token=ADMIN_TOKEN,
    )
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp", admin_token=ADMIN_TOKEN)
    partner, _ = await connect(emsp, cpo)
    await cpo_of(cpo.node).locations.put_location(location("LOC1", evses=evses))
    received = Recorder(cpo.node.events, TokenChanged)
    for n in range(tokens):  # the simulator's cars present SIM000000, SIM000001, ...
        await emsp_of(emsp.node).tokens.put_token(token(f"SIM{n:06d}"))
    if tokens:
        await received.wait(lambda _: len({e.token.uid for e in received.items}) >= tokens)
    return Stage(
        cpo,
        emsp,
        partner.id,
        Recorder(cpo.node.events, SessionChanged),
        Recorder(emsp.node.events, SessionChanged),
    )
