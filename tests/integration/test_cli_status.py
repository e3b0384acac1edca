"""`fera status` beside a serving CPO: partners with their health, stations online, pending profile work."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from fera.config import StationConfig
from fera.cpo import cpo_of
from fera.ocpi.errors import OcpiError
from fera.server import free_port
from tests.integration.cli import fera, write_config
from tests.nodes import NodeFactory, role
from tests.nodes import connect as handshake

ADMIN = "admin-token-for-tests-0123456789"


def _station(station_id: str) -> StationConfig:
    return StationConfig.model_validate(
        {"id": station_id, "location": "LOC1", "evses": [{"ocpp_id": 1, "evse_uid": f"{station_id}-E1"}]}
    )


async def test_status_shows_partner_health_and_stations_online(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    ocpp = free_port()
    cpo = await node_factory(
        role("CPO"), name="cpo", admin_token=ADMIN, ocpp_listen=f"127.0.0.1:{ocpp}",
        stations=[_station("CS-1"), _station("CS-2")],
    )  # fmt: skip
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    _, at_cpo = await handshake(emsp, cpo)
    await cpo.node.partners.rotate(at_cpo.id)  # reaches the eMSP: a contact
    await emsp.server.stop()
    with pytest.raises(OcpiError):
        await cpo.node.partners.rotate(at_cpo.id)  # the eMSP is gone: an error
    await cpo.node.contacts.drain()
    config = str(write_config(cpo.node.config, tmp_path / "cpo.toml"))
    gateway = cpo_of(cpo.node).stations
    assert gateway is not None
    with pytest.raises(InvalidStatus):
        await connect(f"ws://127.0.0.1:{ocpp}/ocpp/NOPE", subprotocols=[Subprotocol("ocpp1.6")])
    url = f"ws://127.0.0.1:{ocpp}/ocpp/CS-1"
    async with connect(url, subprotocols=[Subprotocol("ocpp1.6")]):
        async with asyncio.timeout(30):
            while not gateway.gateway.is_connected("CS-1"):
                await asyncio.sleep(0.05)
        shown = await fera("status", "-c", config)

    assert shown.code == 0, shown.out
    row = next(line for line in shown.lines if at_cpo.id[:8] in line)
    assert "NL*EMS (EMSP)" in row and "registered" in row and "failing" in row and "ConnectError" in row
    [stored] = await cpo.node.partners.list()
    last = max(t for t in (stored.last_contact_at, stored.last_inbound_at) if t is not None)
    assert last.isoformat(timespec="seconds") in row
    assert any(line.split()[1:4] == ["CS-1", "│", "LOC1"] and "yes" in line for line in shown.lines), (
        shown.out
    )
    cs2 = next(line for line in shown.lines if " CS-2 " in line)
    assert cs2.split()[1:6] == ["CS-2", "│", "LOC1", "│", "no"], shown.out
    assert f"OCPP gateway: ws://127.0.0.1:{ocpp}/ocpp" in shown.out
    refused = [line.strip() for line in shown.lines if line.strip().startswith("refused NOPE at")]
    assert len(refused) == 1 and refused[0].endswith(": unknown station (401)"), shown.out
    assert "ChargingProfile jobs waiting for a station: 0" in shown.out


async def test_last_contact_counts_the_partners_calls_to_us(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    cpo = await node_factory(role("CPO"), name="cpo")
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    _, at_cpo = await handshake(emsp, cpo)  # the eMSP's registration calls the CPO; the CPO calls back
    await cpo.node.contacts.drain()
    [registered] = await cpo.node.partners.list()
    assert registered.last_inbound_at is not None and registered.outbound_token is not None
    long_ago = registered.last_inbound_at - timedelta(hours=1)
    async with cpo.node.database.unit_of_work() as uow:  # our own calls to it: long before its last call
        await uow.partners.record_contact(registered.outbound_token, long_ago, None)
    config = str(write_config(cpo.node.config, tmp_path / "cpo.toml"))

    shown = await fera("status", "-c", config)

    assert shown.code == 0, shown.out
    row = " ".join(line for line in shown.lines if at_cpo.id[:8] in line or "it called us" in line)
    assert registered.last_inbound_at.isoformat(timespec="seconds") in row, shown.out
    assert "(it called us)" in row and long_ago.isoformat(timespec="seconds") not in row
