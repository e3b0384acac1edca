"""The three ChargingProfiles topologies on real nodes on loopback, each with `sessions` ongoing sessions.

A: eMSP -> CPO;  B: SCSP -> eMSP (proxy) -> CPO;  C: SCSP (under contract) -> CPO.
Every session has an EVSE of its own (one in-process simulated station each, answering at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bench._harness import Nodes, RunningNode, connect, role
from fera.config import ContractConfig, DelegationConfig
from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import CdrToken
from fera.ocpi.tokens.models import TokenType
from fera.smartcharging.sender import ProfileSender

__all__ = ["TOPOLOGIES", "Topology", "build"]

TOPOLOGIES = {"A": "eMSP -> CPO", "B": "SCSP -> eMSP -> CPO", "C": "SCSP (contract) -> CPO"}
STAMP = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class Topology:
    name: str
    sender: ProfileSender
    partner_id: str  # the sender's Receiver (the CPO, or the eMSP in B)
    session_ids: list[str]  # as the sender knows them
    cpo: RunningNode
    receiver: RunningNode  # the node the sender talks to
    token: str  # the sender's token towards `receiver`
    nodes: list[RunningNode]


def _location(evses: int) -> Location:
    connector = {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "last_updated": STAMP,
    }
    evse = {"status": "CHARGING", "capabilities": ["CHARGING_PROFILE_CAPABLE"], "last_updated": STAMP}
    return Location.model_validate(
        {
            "country_code": "NL",
            "party_id": "CPO",
            "id": "LOC1",
            "publish": True,
            "address": "Stationsplein 1",
            "city": "Utrecht",
            "country": "NLD",
            "coordinates": {"latitude": "52.08940", "longitude": "5.11070"},
            "time_zone": "Europe/Amsterdam",
            "last_updated": STAMP,
            "evses": [evse | {"uid": f"E{i}", "connectors": [connector]} for i in range(1, evses + 1)],
        }
    )


async def _sessions(cpo: RunningNode, count: int) -> list[str]:
    """One ACTIVE session of an eMSP (NL*MSP) customer per EVSE, through the CPO's domain API."""
    service = cpo_of(cpo.node)
    await service.locations.put_location(_location(count))
    ids = []
    for i in range(1, count + 1):
        token = CdrToken(
            country_code="NL", party_id="MSP", uid=f"T{i}", type=TokenType.RFID, contract_id=f"C{i}"
        )
        await service.sessions.start_session(
            token=token, location_id="LOC1", evse_uid=f"E{i}", connector_id="1", session_id=f"S{i}"
        )
        ids.append(f"S{i}")
    return ids


async def _settle(*nodes: RunningNode) -> None:
    """Wait for post-registration syncs and pushes (a pull racing a push of one object can fail)."""
    for running in nodes:
        await exchange_of(running.node).sync.drain()
        await exchange_of(running.node).pusher.drain()


def _sender(running: RunningNode) -> ProfileSender:
    assert running.node.profile_sender is not None, "the node hosts a Sender role"
    return running.node.profile_sender


async def build_a(nodes: Nodes, count: int) -> Topology:
    cpo = await nodes.start("cpo", role("CPO", "CPO"))
    emsp = await nodes.start("emsp", role("EMSP", "MSP"))
    cpo_at_emsp, _ = await connect(emsp, cpo)
    await _settle(cpo, emsp)
    ids = await _sessions(cpo, count)
    await _settle(cpo, emsp)
    token = cpo_at_emsp.outbound_token or ""
    return Topology("A", _sender(emsp), cpo_at_emsp.id, ids, cpo, cpo, token, [cpo, emsp])


async def build_b(nodes: Nodes, count: int) -> Topology:
    cpo = await nodes.start("cpo", role("CPO", "CPO"))
    delegation = DelegationConfig(scsp="NL*SCS")
    emsp = await nodes.start("emsp", role("EMSP", "MSP"), delegations=[delegation])
    scsp = await nodes.start("scsp", role("SCSP", "SCS"), plan_sessions=False)  # only the bench steers
    cpo_at_emsp, _ = await connect(emsp, cpo)
    emsp_at_scsp, _ = await connect(scsp, emsp)
    await _settle(cpo, emsp, scsp)
    ids = await _sessions(cpo, count)
    await _settle(cpo, emsp, scsp)
    forwarded = []
    async with emsp.node.database.unit_of_work() as uow:
        for sid in ids:
            (row,) = await uow.forwards.by_source(cpo_at_emsp.id, "NL", "CPO", sid)
            forwarded.append(row.id)
    token = emsp_at_scsp.outbound_token or ""
    return Topology("B", _sender(scsp), emsp_at_scsp.id, forwarded, cpo, emsp, token, [cpo, emsp, scsp])


async def build_c(nodes: Nodes, count: int) -> Topology:
    cpo = await nodes.start("cpo", role("CPO", "CPO"), contracts=[ContractConfig(scsp="NL*SCS")])
    scsp = await nodes.start("scsp", role("SCSP", "SCS"), plan_sessions=False)  # only the bench steers
    cpo_at_scsp, _ = await connect(scsp, cpo)
    await _settle(cpo, scsp)
    ids = await _sessions(cpo, count)
    await _settle(cpo, scsp)
    token = cpo_at_scsp.outbound_token or ""
    return Topology("C", _sender(scsp), cpo_at_scsp.id, ids, cpo, cpo, token, [cpo, scsp])


async def build(name: str, nodes: Nodes, count: int) -> Topology:
    builders = {"A": build_a, "B": build_b, "C": build_c}
    return await builders[name](nodes, count)
