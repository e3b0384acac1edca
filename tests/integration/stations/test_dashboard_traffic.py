"""The dashboard's stations, partner and site pages on a CPO driving real OCPP stations: who is online, what
was refused, the frames both ways, the OCPI messages per partner, and site load against capacity."""

from __future__ import annotations

import httpx
import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from fera.config import SiteConfig
from tests.integration.stations.conftest import StageFactory
from tests.integration.stations.stage import SPECS, ev

pytestmark = pytest.mark.timeout(60)


async def page(url: str) -> str:
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200, response.text
    return response.text


async def test_stations_frames_partners_and_site_load(stages: StageFactory) -> None:
    stage = await stages(sites=[SiteConfig(location="LOC1", capacity_kw=30.0)])
    await stage.charging(SPECS, (ev("ST16", 1), ev("ST201", 1)))
    with pytest.raises(InvalidStatus):
        async with ws_connect(f"{stage.stations.url}/INTRUDER", subprotocols=[Subprotocol("ocpp1.6")]):
            pass

    stations = await page(f"{stage.cpo.url}/dashboard/stations")
    assert stations.count(">online<") == 2 and "ocpp1.6" in stations and "ocpp2.0.1" in stations
    assert "INTRUDER" in stations and "unknown station (401)" in stations

    frames = await page(f"{stage.cpo.url}/dashboard/stations/ST16")
    assert "BootNotification" in frames and "StartTransaction" in frames  # in from the station
    assert "SetChargingProfile" in frames  # out: the site's share as a TxProfile
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{stage.cpo.url}/dashboard/stations/NOPE")).status_code == 404

    # The eMSP's page of its CPO partner: its token pushes out, the CPO's session pushes in.
    messages = await page(f"{stage.emsp.url}/dashboard/partners/{stage.cpo_id}")
    assert "PUT http://127.0.0.1" in messages and "/tokens/" in messages  # out, by name
    assert "PUT /ocpi/2.2.1/receiver/sessions/NL/CPO/" in messages  # in, by partner id
    assert "201 · 1000" in messages and "← in" in messages and "→ out" in messages

    async with httpx.AsyncClient() as client:
        chart = (await client.get(f"{stage.cpo.url}/dashboard/api/locations/NL/CPO/LOC1/chart")).json()
    kinds = {t["kind"]: t for t in chart["traces"]}
    assert {"drawn", "load", "capacity"} <= set(kinds)
    assert set(kinds["capacity"]["y"]) == {30.0}
    assert 0 < max(y for y in kinds["load"]["y"] if y is not None) <= 30.0
