"""The authorization matrix, through a hub: a hub acts for the parties behind it, never for a party that talks
to us directly (another partner's) nor for one of our own, whatever its OCPI-from-* headers claim.

CPO NL*CPO; eMSP NL*EMS connected directly (session S1); NL*HBE an eMSP behind the hub (session S2).
"""

from __future__ import annotations

from fera.cpo import cpo_of
from tests.integration.authz_world import DATE_FROM, Outcome, outcome
from tests.integration.hub import FakeHub, call_fera, running_hub
from tests.integration.test_hub import client_info, registered
from tests.integration.test_hub_reach import announce
from tests.integration.test_sessions_support import location, settle, token
from tests.nodes import NodeFactory, RunningNode, connect, role

CAPABLE = ["CHARGING_PREFERENCES_CAPABLE", "CHARGING_PROFILE_CAPABLE"]
PROFILE = {"charging_rate_unit": "A", "charging_profile_period": [{"start_period": 0, "limit": 16.0}]}
DUD = "http://127.0.0.1:9/results/x"
REFUSED = "HTTP 200/2001"
ROUTED_FOR = {"behind": ("NL", "HBE"), "direct": ("NL", "EMS"), "ours": ("NL", "CPO")}
ROUTED_FOR["unknown"] = ("NL", "UNK")


async def outcomes(cpo: RunningNode, hub: FakeHub, routed: tuple[str, str] | None) -> dict[str, Outcome]:
    base, to = f"{cpo.url}/ocpi/2.2.1", ("NL", "CPO")

    async def ask(method: str, path: str, body: object = None) -> Outcome:
        return outcome(await call_fera(hub, method, base + path, body, from_party=routed, to=to))

    out: dict[str, Outcome] = {}
    since = DATE_FROM["date_from"]
    sessions = f"{base}/sender/sessions?date_from={since}"
    out["GET sessions"] = outcome(await call_fera(hub, "GET", sessions, None, from_party=routed, to=to))
    for sid in ("S1", "S2"):
        out[f"PUT charging_preferences {sid}"] = await ask(
            "PUT", f"/sender/sessions/{sid}/charging_preferences", {"profile_type": "REGULAR"}
        )
        body = {"charging_profile": PROFILE, "response_url": DUD}
        out[f"PUT chargingprofile {sid}"] = await ask("PUT", f"/receiver/chargingprofiles/{sid}", body)
    out["GET token NL*EMS"] = await ask("GET", "/receiver/tokens/NL/EMS/TOKEN1")
    return out


def expected(who: str) -> dict[str, Outcome]:
    if who in ("direct", "ours"):  # impersonation: refused outright, naming the header
        return dict.fromkeys(
            [
                "GET sessions",
                "PUT charging_preferences S1",
                "PUT chargingprofile S1",
                "PUT charging_preferences S2",
                "PUT chargingprofile S2",
                "GET token NL*EMS",
            ],
            REFUSED,
        )
    own = who in ("behind", "hub")
    return {
        "GET sessions": ["S2"] if own else [],
        "PUT charging_preferences S1": "HTTP 404/2000",
        "PUT chargingprofile S1": "REJECTED",
        "PUT charging_preferences S2": "ACCEPTED" if own else "HTTP 404/2000",
        "PUT chargingprofile S2": "ACCEPTED" if own else "REJECTED",
        "GET token NL*EMS": "HTTP 404/2000",
    }


async def test_a_hub_acts_only_for_the_parties_behind_it(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    await connect(emsp, cpo)
    async with running_hub([], [client_info("HBE", "EMSP")]) as hub:
        await registered(cpo, hub)
        await announce(hub, cpo, "HBE", "EMSP", "CONNECTED")
        for party in ("EMS", "CPO"):  # a hub may tell us they are connected to it too, not act for them
            await announce(hub, cpo, party, "EMSP", "CONNECTED")
        await cpo_of(cpo.node).locations.put_location(location("LOC1", capabilities=CAPABLE))
        for sid, party in (("S1", "EMS"), ("S2", "HBE")):
            await cpo_of(cpo.node).sessions.start_session(
                token=token(party, f"T-{sid}"),
                location_id="LOC1",
                evse_uid="LOC1-E1",
                connector_id="1",
                session_id=sid,
            )
        await settle(cpo, emsp)
        got = {who: await outcomes(cpo, hub, party) for who, party in ROUTED_FOR.items()}
        got["hub"] = await outcomes(cpo, hub, None)
    want = {who: expected(who) for who in got}
    leaks = {
        (who, cell): (got[who][cell], want[who][cell])
        for who in want
        for cell in want[who]
        if got[who][cell] != want[who][cell]
    }
    assert leaks == {}
