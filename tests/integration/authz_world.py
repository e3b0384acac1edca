"""The authorization matrix's world (no tests here): real nodes, each a party, and how to call each other.

CPO NL*CPO (contract: SCSP NL*SCS over LOC1), eMSP NL*EMS (delegates to NL*SCS), eMSP NL*EM2, SCSP NL*SCS
and a partner NL*IMP that tries to be others. Sessions at the CPO: S1 (LOC1, NL*EMS's token), S2 (LOC2,
NL*EM2's), S3 (LOC1, NL*EM2's). One token at the CPO: NL*EMS's TOKEN1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from fera.cpo import cpo_of
from fera.emsp import emsp_of
from fera.ocpi.auth import Party
from fera.ocpi.tokens.models import Token
from fera.ocpi.types import Role
from tests.integration.test_sessions_support import auth, location, settle, token
from tests.nodes import NodeFactory, RunningNode, connect, role

CAPABLE = ["CHARGING_PREFERENCES_CAPABLE", "CHARGING_PROFILE_CAPABLE"]
SESSIONS = {"S1": ("LOC1", "EMS"), "S2": ("LOC2", "EM2"), "S3": ("LOC1", "EM2")}
DATE_FROM = {"date_from": "2000-01-01T00:00:00Z"}
Outcome = str | list[str]


@dataclass
class World:
    nodes: dict[str, RunningNode]

    async def token(self, caller: str, host: str) -> str:
        """The token `caller` calls `host` with (from its own partner record of `host`)."""
        partners = await self.nodes[caller].node.partners.list()
        url = self.nodes[host].versions_url
        return next(p.outbound_token or "" for p in partners if p.versions_url == url)

    async def headers(self, caller: str, host: str) -> dict[str, str]:
        return auth(await self.token(caller, host))

    def url(self, host: str, path: str) -> str:
        return f"{self.nodes[host].url}/ocpi/2.2.1/{path}"

    async def settle(self) -> None:
        await settle(*self.nodes.values())


async def build(node_factory: NodeFactory) -> World:
    contracts = [{"scsp": "NL*SCS", "locations": ["LOC1"]}]
    cpo = await node_factory(role("CPO"), name="cpo", contracts=contracts)
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp", delegations=[{"scsp": "NL*SCS"}])
    emsp2 = await node_factory(role("EMSP", party="EM2"), name="emsp2")
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", plan_sessions=False)
    imp = await node_factory(role("EMSP", party="IMP"), name="imp")
    world = World({"cpo": cpo, "emsp": emsp, "emsp2": emsp2, "scsp": scsp, "imp": imp})
    await invited(emsp, cpo, Party("NL", "EMS", Role.EMSP))  # invitations naming the party
    await invited(scsp, cpo, Party("NL", "SCS", Role.SCSP))
    await invited(imp, cpo, Party("NL", "IMP", Role.EMSP))
    await connect(emsp2, cpo)  # open invitations: the first registration fixes the parties
    await connect(scsp, emsp)
    await connect(imp, emsp)
    await world.settle()
    c = cpo_of(cpo.node)
    for loc in ("LOC1", "LOC2"):
        await c.locations.put_location(location(loc, capabilities=CAPABLE))
    for sid, (loc, party) in SESSIONS.items():
        await c.sessions.start_session(
            session_id=sid,
            token=token(party, f"T-{sid}"),
            location_id=loc,
            evse_uid=f"{loc}-E1",
            connector_id="1",
        )
    await emsp_of(emsp.node).tokens.put_token(emsp_token("TOKEN1"))
    await world.settle()
    return world


async def invited(initiator: RunningNode, receiver: RunningNode, party: Party) -> None:
    invitation = await receiver.node.partners.invite(initiator.node.config.name, [party])
    await initiator.node.partners.register_with(invitation.versions_url, invitation.token_a)


def emsp_token(uid: str, party: str = "EMS") -> Token:
    return Token.model_validate(
        {
            "country_code": "NL",
            "party_id": party,
            "uid": uid,
            "type": "RFID",
            "contract_id": f"NL-{party}-{uid}",
            "issuer": "Test eMSP",
            "valid": True,
            "whitelist": "ALLOWED",
            "last_updated": "2030-01-01T07:00:00Z",
        }
    )


def outcome(response: httpx.Response) -> Outcome:
    """What a caller got: a list's ids, an answer's value (preferences, profile result), or the status."""
    body: dict[str, Any] = response.json()
    data = body.get("data")
    if response.status_code != 200 or body["status_code"] != 1000:
        return f"HTTP {response.status_code}/{body['status_code']}"
    if isinstance(data, list):
        return sorted(str(item["id"] if "id" in item else item["uid"]) for item in data)
    if isinstance(data, dict) and "result" in data:
        return str(data["result"])
    return data if isinstance(data, str) else "OK"
