"""Shared builders for the Locations/Sessions/Tokens integration tests (no tests here)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fera.cpo import Cpo, cpo_of
from fera.emsp import Emsp, emsp_of
from fera.exchange import Exchange, exchange_of
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import CdrToken
from fera.ocpi.tokens.models import TokenType
from tests.nodes import NodeFactory, RunningNode, role

T0 = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def location_json(
    location_id: str, *, capabilities: list[str] | None = None, tariffs: list[str] | None = None
) -> dict[str, Any]:
    connector: dict[str, Any] = {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "max_electric_power": 22000,
        "last_updated": "2030-01-01T07:00:00Z",
    }
    if tariffs is not None:
        connector["tariff_ids"] = tariffs
    evse: dict[str, Any] = {
        "uid": f"{location_id}-E1",
        "status": "AVAILABLE",
        "connectors": [connector],
        "last_updated": "2030-01-01T07:00:00Z",
    }
    if capabilities is not None:
        evse["capabilities"] = capabilities
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": location_id,
        "publish": True,
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "country": "NLD",
        "coordinates": {"latitude": "52.08900", "longitude": "5.11000"},
        "time_zone": "Europe/Amsterdam",
        "evses": [evse],
        "last_updated": "2030-01-01T07:00:00Z",
    }


def location(location_id: str, **kw: Any) -> Location:
    return Location.model_validate(location_json(location_id, **kw))


def token(party: str = "EMS", uid: str = "TOKEN1") -> CdrToken:
    return CdrToken(
        country_code="NL", party_id=party, uid=uid, type=TokenType.RFID, contract_id=f"NL-{party}-{uid}"
    )


@dataclass
class Trio:
    cpo: RunningNode
    emsp: RunningNode
    scsp: RunningNode

    @property
    def c(self) -> Cpo:
        return cpo_of(self.cpo.node)

    @property
    def e(self) -> Emsp:
        return emsp_of(self.emsp.node)

    async def settle(self) -> None:
        await settle(self.cpo, self.emsp, self.scsp)


async def settle(*nodes: RunningNode) -> None:
    """Every sync and push done, including pushes they caused on the next node (the eMSP's forwards)."""
    for _ in range(2):
        for running in nodes:
            ex = ex_of(running)
            await ex.sync.drain()
            await ex.pusher.drain()


def ex_of(running: RunningNode) -> Exchange:
    return exchange_of(running.node)


async def register(initiator: RunningNode, receiver: RunningNode) -> str:
    """Receiver invites, initiator registers (then synchronises); returns the partner id at the initiator."""
    invitation = await receiver.node.partners.invite("initiator")
    partner = await initiator.node.partners.register_with(invitation.versions_url, invitation.token_a)
    return partner.id


async def outbound_token(running: RunningNode, party_id: str) -> str:
    """The token `running` uses to call the partner with that party id."""
    partners = await running.node.partners.list()
    return next(p.outbound_token or "" for p in partners if any(r.party_id == party_id for r in p.roles))


async def partner_id(running: RunningNode, name_part: str) -> str:
    partners = await running.node.partners.list()
    return next(p.id for p in partners if any(r.party_id == name_part for r in p.roles))


async def trio(
    node_factory: NodeFactory, *, covered: list[str] | None = None, register_all: bool = True
) -> Trio:
    """CPO NL*CPO (SCSP NL*SCS contracted over `covered`), eMSP NL*EMS (delegates to NL*SCS), SCSP NL*SCS."""
    contracts = [{"scsp": "NL*SCS", "locations": covered if covered is not None else ["LOC1"]}]
    cpo = await node_factory(role("CPO"), name="cpo", contracts=contracts)
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp", delegations=[{"scsp": "NL*SCS"}])
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", plan_sessions=False)
    nodes = Trio(cpo, emsp, scsp)
    if register_all:
        await register(emsp, cpo)
        await register(scsp, cpo)
        await register(scsp, emsp)
        await nodes.settle()
    return nodes
