"""Prepare a CPO node's database: an eMSP registered by the real handshake, `count` published locations
(2 EVSEs each, CHARGING_PROFILE_CAPABLE) and an ACTIVE session of the eMSP's customer on `sessions` EVSEs.

The CPO runs here only for the set-up; the benchmark then serves its config from a child process. The eMSP
keeps running here, but the CPO's record of it sends its ActiveChargingProfile pushes to the bare app's sink
(`PUSH_SINK`), like the results: a FERA node storing each push would take as much CPU as the CPO's jobs
on the same two cores, and the figure wanted is the CPO's own capacity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import httpx

from bench._harness import Nodes, RunningNode, connect, role
from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.ocpi.auth import authorization_header
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import CdrToken
from fera.ocpi.tokens.models import TokenType

__all__ = [
    "LIST_PATH",
    "PROFILE_PATH",
    "PUSH_SINK",
    "VERSION_PATH",
    "Prepared",
    "prepare",
    "profile_body",
]

VERSION_PATH = "/ocpi/2.2.1"
LIST_PATH = "/ocpi/2.2.1/sender/locations"
PROFILE_PATH = "/ocpi/2.2.1/receiver/chargingprofiles/"
RESULTS_PATH = "/results/bench"  # the bare app's sink for the CPO's result POSTs
PUSH_SINK = "/sink/activeprofiles/"  # the bare app's sink for the ActiveChargingProfile PUTs
STAMP = datetime(2030, 1, 1, tzinfo=UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Prepared:
    config_json: str  # the CPO node, to serve again in a child process
    base_url: str
    headers: dict[str, str]  # the eMSP's Authorization towards the CPO
    bodies: dict[str, dict[str, Any]]  # path -> FERA's JSON body, for the bare app to answer
    session_ids: list[str]  # ACTIVE sessions the eMSP may steer
    emsp: RunningNode  # still running: the CPO pushes ActiveChargingProfiles to it


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
        "capabilities": ["CHARGING_PROFILE_CAPABLE"],
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


def profile_body(response_base: str, amps: int = 11) -> str:
    """A SetChargingProfile: 11 A (or `amps`) for an hour; results go to the bare app's sink."""
    profile = {
        "charging_rate_unit": "A",
        "duration": 3600,
        "charging_profile_period": [{"start_period": 0, "limit": amps}],
    }
    return json.dumps({"charging_profile": profile, "response_url": response_base + RESULTS_PATH})


async def _start_sessions(cpo: RunningNode, count: int) -> list[str]:
    service, ids = cpo_of(cpo.node), []
    for n in range(count):
        token = CdrToken(
            country_code="NL", party_id="MSP", uid=f"T{n}", type=TokenType.RFID, contract_id=f"C{n}"
        )
        location_id = f"LOC{n // 2:04}"
        await service.sessions.start_session(
            token=token,
            location_id=location_id,
            evse_uid=f"{location_id}-E{n % 2 + 1}",
            connector_id="1",
            session_id=f"S{n:05}",
        )
        ids.append(f"S{n:05}")
    return ids


async def _pushes_to(cpo: RunningNode, emsp_id: str, sink: str) -> None:
    """The CPO's record of the eMSP: its chargingprofiles SENDER endpoint (where the CPO PUTs the
    ActiveChargingProfiles) becomes `sink`; everything else of the eMSP stays as the handshake found it."""
    async with cpo.node.database.unit_of_work() as uow:
        partner = await uow.partners.get(emsp_id)
        assert partner is not None
        partner.endpoints = [
            replace(e, url=sink) if (e.module, e.interface_role) == ("chargingprofiles", "SENDER") else e
            for e in partner.endpoints
        ]
        await uow.partners.save(partner)


async def prepare(nodes: Nodes, count: int, page: int, sessions: int, sink_url: str) -> Prepared:
    """`sink_url`: the bare app's base URL, where the CPO's ActiveChargingProfile pushes will go."""
    cpo = await nodes.start("cpo", role("CPO", "CPO"))
    emsp = await nodes.start("emsp", role("EMSP", "MSP"))
    cpo_for_emsp, emsp_for_cpo = await connect(emsp, cpo)
    assert cpo_for_emsp.outbound_token is not None
    await _pushes_to(cpo, emsp_for_cpo.id, sink_url + PUSH_SINK.rstrip("/"))
    for n in range(count):
        await cpo_of(cpo.node).locations.put_location(location(n))
    session_ids = await _start_sessions(cpo, min(sessions, 2 * count))
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
    await nodes.stop(cpo)
    return Prepared(cpo.node.config.model_dump_json(), cpo.url, headers, bodies, session_ids, emsp)
