"""A small running demo for the browser tests: CPO, eMSP and SCSP nodes on 127.0.0.1 that registered with
each other, one location with two charging sessions, a profile the eMSP set on S1 (and the active profile the
CPO pushed back), a capacity forecast at the CPO and price/CO2 signals at the SCSP."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from fera.config import SiteConfig, StationConfig
from fera.cpo import cpo_of
from fera.ocpi.sessions.models import CdrToken
from fera.signals import CapacityForecast, SignalSeries
from fera.smartcharging.model import RequestState
from tests.integration.chargingprofiles.setup import amps, location
from tests.integration.test_sessions_support import settle
from tests.nodes import NodeFactory, RunningNode, role

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
STEP = timedelta(minutes=15)


STATION = StationConfig.model_validate(
    {"id": "ST1", "location": "LOC1", "evses": [{"ocpp_id": 1, "evse_uid": "LOC1-E3"}]}
)


@dataclass
class Demo:
    cpo: RunningNode
    emsp: RunningNode
    scsp: RunningNode
    station: asyncio.Task[None] | None = field(default=None)

    def url(self, node: RunningNode, path: str) -> str:
        return node.url + path

    async def close(self) -> None:
        if self.station is not None:
            self.station.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.station


async def _answer_calls(ws: ClientConnection) -> None:
    """A station that accepts whatever the CPO asks (its zero TxDefaultProfile behind a managed site)."""
    with contextlib.suppress(ConnectionClosed):
        async for frame in ws:
            await _answer(ws, json.loads(frame))


async def _answer(ws: ClientConnection, message: list[Any]) -> None:
    if message[0] == 2:  # a CALL: accepted (GetConfiguration's answer fails its schema: no inventory asked)
        await ws.send(json.dumps([3, message[1], {"status": "Accepted"}]))


async def _station(cpo: RunningNode) -> asyncio.Task[None]:
    """ST1 connects over OCPP 1.6, boots and beats once; a station with an unknown id is refused."""
    stations = cpo_of(cpo.node).stations
    assert stations is not None
    with contextlib.suppress(InvalidStatus):
        async with ws_connect(f"{stations.url}/INTRUDER", subprotocols=[Subprotocol("ocpp1.6")]):
            pass
    ws = await ws_connect(f"{stations.url}/ST1", subprotocols=[Subprotocol("ocpp1.6")])
    boot = {"chargePointVendor": "FERA", "chargePointModel": "Browser test"}
    for n, (action, payload) in enumerate((("BootNotification", boot), ("Heartbeat", {}))):
        await ws.send(json.dumps([2, str(n), action, payload]))
        while (message := json.loads(await ws.recv()))[1] != str(n):
            await _answer(ws, message)  # the CPO may call as soon as the boot is accepted
    return asyncio.create_task(_answer_calls(ws))


async def _register(initiator: RunningNode, receiver: RunningNode, theirs: str, ours: str) -> str:
    invitation = await receiver.node.partners.invite(ours)
    partner = await initiator.node.partners.register_with(invitation.versions_url, invitation.token_a, theirs)
    return partner.id


def _token(uid: str) -> CdrToken:
    return CdrToken.model_validate(
        {"country_code": "NL", "party_id": "EMS", "uid": uid, "type": "RFID", "contract_id": f"NL-EMS-{uid}"}
    )


async def _charge(demo: Demo, session_id: str, evse: str, powers: list[float]) -> None:
    """A session that started 50 minutes ago with one reading every 10 minutes at these powers (kW)."""
    sessions = cpo_of(demo.cpo.node).sessions
    start = NOW - timedelta(minutes=50)
    await sessions.start_session(
        token=_token(f"T-{session_id}"),
        location_id="LOC1",
        evse_uid=evse,
        connector_id="1",
        session_id=session_id,
        at=start,
    )
    kwh = 0.0
    for i, kw in enumerate(powers, start=1):
        kwh += kw / 6
        await sessions.meter_values(
            session_id, kwh=round(kwh, 3), at=start + i * timedelta(minutes=10), power_kw=kw
        )


async def _steer(demo: Demo) -> None:
    """The eMSP limits S1 to 20 A, then replaces that with 16 A, then 10 A after 30 minutes (the CPO's
    profile history); waits for the CPO's ActiveChargingProfile."""
    sender, module = demo.emsp.node.profile_sender, demo.cpo.node.cpo_profiles
    assert sender is not None and module is not None
    cpo_id = next(p.id for p in await demo.emsp.node.partners.list() if p.roles[0].party_id == "CPO")
    for profile in (amps((0, 20.0)), amps((0, 16.0), (1800, 10.0))):
        request = await sender.set_profile(cpo_id, "S1", profile)
        done = await sender.wait(request.id, timeout=30)
        assert done.state is RequestState.DONE and done.result == {"result": "ACCEPTED"}
        await module.applier.drain()
    for _ in range(100):
        if await sender.active_profile(cpo_id, "S1") is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no ActiveChargingProfile reached the eMSP")


def _signals() -> SignalSeries:
    prices = [0.31, 0.29, 0.24, 0.18, 0.12, 0.11, 0.15, 0.22, 0.27, 0.33, 0.35, 0.30]
    co2 = [410, 395, 360, 300, 240, 210, 230, 280, 330, 380, 400, 390]
    return SignalSeries.model_validate(
        {
            "intervalPeriod": {"start": (NOW - 4 * STEP).isoformat(), "duration": "PT15M"},
            "payloadDescriptors": [{"payloadType": "PRICE", "currency": "EUR"}],
            "intervals": [
                {"id": i, "payloads": [{"type": "PRICE", "values": [p]}, {"type": "GHG", "values": [c]}]}
                for i, (p, c) in enumerate(zip(prices, co2, strict=True))
            ],
        }
    )


def _capacity() -> CapacityForecast:
    blocks = [(-2, 1, 45.0), (1, 2, 30.0)]  # hours from now: a drop one hour ahead
    return CapacityForecast.model_validate(
        {
            "group_id": "LOC1",
            "blocks": [
                {
                    "capacity": kw,
                    "start_time": (NOW + timedelta(hours=a)).isoformat(),
                    "end_time": (NOW + timedelta(hours=b)).isoformat(),
                }
                for a, b, kw in blocks
            ],
        }
    )


async def small_demo(node_factory: NodeFactory) -> Demo:
    contracts = [{"scsp": "NL*SCS", "locations": ["LOC1"]}]
    cpo = await node_factory(
        role("CPO", name="Utrecht Charging"),
        name="cpo",
        contracts=contracts,
        ocpp_listen="127.0.0.1:0",
        stations=[STATION],
        sites=[SiteConfig(location="LOC1", capacity_kw=45.0)],
    )
    emsp = await node_factory(role("EMSP", party="EMS", name="Blue Mobility"), name="emsp")
    scsp = await node_factory(role("SCSP", party="SCS", name="GridWise"), name="scsp")
    demo = Demo(cpo, emsp, scsp)
    await _register(emsp, cpo, "Utrecht Charging (CPO)", "Blue Mobility (eMSP)")
    await _register(scsp, cpo, "Utrecht Charging (CPO)", "GridWise (SCSP)")
    await _register(scsp, emsp, "Blue Mobility (eMSP)", "GridWise (SCSP)")
    await cpo_of(cpo.node).locations.put_location(location("LOC1"))
    await _charge(demo, "S1", "LOC1-E1", [22.0, 22.0, 18.5, 11.0, 11.0])
    await _charge(demo, "S2", "LOC1-E2", [7.4, 11.0, 11.0, 11.0, 9.2])
    await settle(cpo, emsp, scsp)
    await _steer(demo)
    await cpo.node.signals.put_capacity(_capacity())
    await scsp.node.signals.put_series(_signals())
    demo.station = await _station(cpo)
    return demo
