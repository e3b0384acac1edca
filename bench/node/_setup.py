"""Prepare a CPO node's database: an eMSP registered by the real handshake and `count` published locations.

The nodes run here only for the set-up; the benchmark then serves the CPO's config from a child process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from bench._harness import Nodes, connect, role
from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.ocpi.auth import authorization_header
from fera.ocpi.locations.models import Location

__all__ = ["LIST_PATH", "VERSION_PATH", "Prepared", "prepare"]

VERSION_PATH = "/ocpi/2.2.1"
LIST_PATH = "/ocpi/2.2.1/sender/locations"
STAMP = datetime(2030, 1, 1, tzinfo=UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Prepared:
    config_json: str  # the CPO node, to serve again in a child process
    base_url: str
    headers: dict[str, str]  # the eMSP's Authorization towards the CPO
    bodies: dict[str, dict[str, Any]]  # path -> FERA's JSON body, for the bare app to answer


def _evse(location_id: str, n: int) -> dict[str, Any]:
    connector = {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "last_updated": STAMP,
    }
    return {
        "uid": f"{location_id}-E{n}",
        "status": "AVAILABLE",
        "connectors": [connector],
        "last_updated": STAMP,
    }


def location(n: int) -> Location:
    location_id = f"LOC{n:04}"
    return Location.model_validate(
        {
            "country_code": "NL",
            "party_id": "CPO",
            "id": location_id,
            "publish": True,
            "address": f"Stationsplein {n}",
            "city": "Utrecht",
            "country": "NLD",
            "coordinates": {"latitude": "52.08940", "longitude": "5.11070"},
            "time_zone": "Europe/Amsterdam",
            "last_updated": STAMP,
            "evses": [_evse(location_id, i) for i in (1, 2)],
        }
    )


async def prepare(nodes: Nodes, count: int, page: int) -> Prepared:
    cpo = await nodes.start("cpo", role("CPO", "CPO"))
    emsp = await nodes.start("emsp", role("EMSP", "MSP"))
    cpo_for_emsp, _ = await connect(emsp, cpo)
    assert cpo_for_emsp.outbound_token is not None
    for n in range(count):
        await cpo_of(cpo.node).locations.put_location(location(n))
    for running in (cpo, emsp):
        await exchange_of(running.node).sync.drain()
        await exchange_of(running.node).pusher.drain()
    headers = {"Authorization": authorization_header(cpo_for_emsp.outbound_token)}
    bodies: dict[str, dict[str, Any]] = {}
    async with httpx.AsyncClient(base_url=cpo.url, headers=headers) as http:
        for path, params in ((VERSION_PATH, {}), (LIST_PATH, {"limit": page})):
            response = await http.get(path, params=params)
            response.raise_for_status()
            bodies[path] = response.json()
    await nodes.stop(emsp)
    await nodes.stop(cpo)
    return Prepared(cpo.node.config.model_dump_json(), cpo.url, headers, bodies)
