"""Every party × object × verb on real nodes: exactly who may and who may not, and no leaks.

The world is in `authz_world`: a CPO, two eMSPs, a CPO-contracted SCSP (also the first eMSP's delegate) and
NL*IMP, a partner that tries to be other parties at registration and in a credentials PUT.
"""

from __future__ import annotations

from functools import partial

import httpx
import pytest

from fera.emsp import emsp_of
from fera.ocpi.auth import Party
from fera.ocpi.errors import PeerError
from fera.ocpi.types import Role
from fera.store.records import ForwardedSession
from tests.integration.authz_world import DATE_FROM, Outcome, World, build, emsp_token, outcome
from tests.nodes import NodeFactory, role

pytestmark = pytest.mark.timeout(180)

CPO_CALLERS = ("emsp", "emsp2", "scsp", "imp")
PROFILE = {"charging_rate_unit": "A", "charging_profile_period": [{"start_period": 0, "limit": 16.0}]}
DUD = "http://127.0.0.1:9/results/x"  # results of accepted requests go nowhere: we read the answers
REFUSED = "HTTP 404/2000"
ONE_TOKEN = "receiver/tokens/NL/EMS/TOKEN1"


def expected_at_cpo() -> dict[tuple[str, str], Outcome]:
    sees = {"emsp": ["S1"], "emsp2": ["S2", "S3"], "scsp": ["S1", "S3"], "imp": []}
    owner = {"S1": "emsp", "S2": "emsp2", "S3": "emsp2"}
    steers = {"S1": {"emsp", "scsp"}, "S2": {"emsp2"}, "S3": {"emsp2", "scsp"}}
    out: dict[tuple[str, str], Outcome] = {}
    for c in CPO_CALLERS:
        out[c, "GET sessions"] = sees[c]
        out[c, "GET locations"] = ["LOC1"] if c == "scsp" else ["LOC1", "LOC2"]
        for level in ("location", "evse", "connector"):
            out[c, f"GET {level} LOC1"] = "OK"
            out[c, f"GET {level} LOC2"] = REFUSED if c == "scsp" else "OK"
        for sid in ("S1", "S2", "S3"):
            out[c, f"PUT charging_preferences {sid}"] = "ACCEPTED" if owner[sid] == c else REFUSED
            for verb in ("PUT", "GET", "DELETE"):
                out[c, f"{verb} chargingprofile {sid}"] = "ACCEPTED" if c in steers[sid] else "REJECTED"
        for verb in ("GET", "PUT", "PATCH"):
            out[c, f"{verb} token NL*EMS"] = "OK" if c == "emsp" else REFUSED
        out[c, "GET credentials"] = "OK"
        out[c, "POST credentials"] = "HTTP 405/2000"  # registered: PUT, never a second POST
    return out


async def cpo_outcomes(world: World, http: httpx.AsyncClient) -> dict[tuple[str, str], Outcome]:
    out: dict[tuple[str, str], Outcome] = {}
    for c in CPO_CALLERS:
        h, url = await world.headers(c, "cpo"), partial(world.url, "cpo")
        out[c, "GET sessions"] = outcome(await http.get(url("sender/sessions"), params=DATE_FROM, headers=h))
        out[c, "GET locations"] = outcome(await http.get(url("sender/locations"), headers=h))
        for loc in ("LOC1", "LOC2"):
            for level, path in (
                ("location", loc),
                ("evse", f"{loc}/{loc}-E1"),
                ("connector", f"{loc}/{loc}-E1/1"),
            ):
                out[c, f"GET {level} {loc}"] = outcome(
                    await http.get(url(f"sender/locations/{path}"), headers=h)
                )
        for sid in ("S1", "S2", "S3"):
            prefs = url(f"sender/sessions/{sid}/charging_preferences")
            answer = await http.put(prefs, json={"profile_type": "REGULAR"}, headers=h)
            out[c, f"PUT charging_preferences {sid}"] = outcome(answer)
            profile = url(f"receiver/chargingprofiles/{sid}")
            body = {"charging_profile": PROFILE, "response_url": DUD}
            out[c, f"PUT chargingprofile {sid}"] = outcome(await http.put(profile, json=body, headers=h))
            query: dict[str, str | int] = {"duration": 600, "response_url": DUD}
            out[c, f"GET chargingprofile {sid}"] = outcome(await http.get(profile, params=query, headers=h))
            cleared = await http.delete(profile, params={"response_url": DUD}, headers=h)
            out[c, f"DELETE chargingprofile {sid}"] = outcome(cleared)
        token = emsp_token("TOKEN1").to_wire()
        out[c, "GET token NL*EMS"] = outcome(await http.get(url(ONE_TOKEN), headers=h))
        out[c, "PUT token NL*EMS"] = outcome(await http.put(url(ONE_TOKEN), json=token, headers=h))
        patch = {"valid": c == "emsp", "last_updated": "2030-01-02T07:00:00Z"}
        out[c, "PATCH token NL*EMS"] = outcome(await http.patch(url(ONE_TOKEN), json=patch, headers=h))
        out[c, "GET credentials"] = outcome(await http.get(url("credentials"), headers=h))
        again = {"token": "x", "url": world.nodes[c].versions_url, "roles": [_role("IMP", "EMSP")]}
        out[c, "POST credentials"] = outcome(await http.post(url("credentials"), json=again, headers=h))
    return out


async def test_every_party_object_and_verb_at_the_cpo(node_factory: NodeFactory) -> None:
    world = await build(node_factory)
    async with httpx.AsyncClient() as http:
        got = await cpo_outcomes(world, http)
    expected = expected_at_cpo()
    assert {k: v for k, v in got.items() if v != expected[k]} == {}
    assert got.keys() == expected.keys()
    async with world.nodes["cpo"].node.database.unit_of_work() as uow:
        stored = await uow.tokens.get("NL", "EMS", "TOKEN1", "RFID")
    assert stored is not None and stored.token.valid  # nobody but its eMSP changed it
    await world.settle()
    assert await _stored_sessions(world) == {
        "emsp": ["S1"],
        "emsp2": ["S2", "S3"],
        "scsp": ["S1", "S3"],
        "imp": [],
    }


async def _stored_sessions(world: World) -> dict[str, list[str]]:
    """Which of the CPO's sessions each partner node holds: what was pushed to it."""
    held: dict[str, list[str]] = {}
    for name in CPO_CALLERS:
        async with world.nodes[name].node.database.unit_of_work() as uow:
            held[name] = [sid for sid in ("S1", "S2", "S3") if await uow.sessions.get("NL", "CPO", sid)]
    return held


def expected_at_emsp(forwarded: str) -> dict[tuple[str, str], Outcome]:
    out: dict[tuple[str, str], Outcome] = {}
    for c in ("cpo", "scsp", "imp"):
        for verb in ("GET", "PUT", "PATCH"):
            out[c, f"{verb} session NL*CPO S1"] = "OK" if c == "cpo" else REFUSED
            out[c, f"{verb} location NL*CPO LOC1"] = "OK" if c == "cpo" else REFUSED
        out[c, "GET tokens"] = ["TOKEN1"] if c == "cpo" else []
        out[c, "GET sessions"] = [forwarded] if c == "scsp" else []
        out[c, "PUT charging_preferences"] = "ACCEPTED" if c == "scsp" else REFUSED
        out[c, "PUT chargingprofile"] = "ACCEPTED" if c == "scsp" else "UNKNOWN_SESSION"
    return out


async def emsp_outcomes(
    world: World, http: httpx.AsyncClient, forwarded: str
) -> dict[tuple[str, str], Outcome]:
    cpo = world.nodes["cpo"].node
    async with cpo.database.unit_of_work() as uow:
        s1, loc1 = await uow.sessions.own("S1"), await uow.locations.own("LOC1")
    assert s1 is not None and loc1 is not None
    out: dict[tuple[str, str], Outcome] = {}
    for c in ("cpo", "scsp", "imp"):
        h, url = await world.headers(c, "emsp"), partial(world.url, "emsp")
        for what, path, body in (
            ("session NL*CPO S1", "receiver/sessions/NL/CPO/S1", s1.session.to_wire()),
            ("location NL*CPO LOC1", "receiver/locations/NL/CPO/LOC1", loc1.to_wire()),
        ):
            out[c, f"GET {what}"] = outcome(await http.get(url(path), headers=h))
            out[c, f"PUT {what}"] = outcome(await http.put(url(path), json=body, headers=h))
            patch = {"last_updated": body["last_updated"]}
            out[c, f"PATCH {what}"] = outcome(await http.patch(url(path), json=patch, headers=h))
        out[c, "GET tokens"] = outcome(await http.get(url("sender/tokens"), headers=h))
        out[c, "GET sessions"] = outcome(await http.get(url("sender/sessions"), params=DATE_FROM, headers=h))
        prefs = url(f"sender/sessions/{forwarded}/charging_preferences")
        answer = await http.put(prefs, json={"profile_type": "REGULAR"}, headers=h)
        out[c, "PUT charging_preferences"] = outcome(answer)
        body = {"charging_profile": PROFILE, "response_url": DUD}
        steer = await http.put(url(f"receiver/chargingprofiles/{forwarded}"), json=body, headers=h)
        out[c, "PUT chargingprofile"] = outcome(steer)
    return out


async def test_every_party_object_and_verb_at_the_emsp(node_factory: NodeFactory) -> None:
    world = await build(node_factory)
    emsp = world.nodes["emsp"].node
    (forwarded,) = [f.id for f in await _forwards(world)]
    async with httpx.AsyncClient() as http:
        got = await emsp_outcomes(world, http, forwarded)
    expected = expected_at_emsp(forwarded)
    assert {k: v for k, v in got.items() if v != expected[k]} == {}
    assert got.keys() == expected.keys()
    async with emsp.database.unit_of_work() as uow:
        stored = await uow.sessions.get("NL", "CPO", "S1")
    assert stored is not None and stored.session.kwh == 0.0


async def _forwards(world: World) -> list[ForwardedSession]:
    emsp, cpo_url = world.nodes["emsp"].node, world.nodes["cpo"].versions_url
    cpo_at_emsp = next(p.id for p in await emsp.partners.list() if p.versions_url == cpo_url)
    return await emsp_of(emsp).forwarding.forwards_of(cpo_at_emsp, "NL", "CPO", "S1")


async def test_impersonation_at_registration_is_refused(node_factory: NodeFactory) -> None:
    """A real node whose credentials list other parties besides its own: refused with any invitation."""
    world = await build(node_factory)
    cpo = world.nodes["cpo"].node
    evil = await node_factory(
        role("EMSP", party="EVL"), role("EMSP", party="EM2"), role("SCSP", party="SCS"), name="evil"
    )
    before = {p.id: (p.roles, p.agreed) for p in await cpo.partners.list()}
    for parties in ([Party("NL", "EVL", Role.EMSP)], []):  # named, then open
        invitation = await cpo.partners.invite("evil", parties)
        with pytest.raises(PeerError, match="2001"):
            await evil.node.partners.register_with(invitation.versions_url, invitation.token_a)
        pending = await cpo.partners.find(invitation.partner_id)
        assert pending is not None and not pending.registered and pending.roles == []
    assert await evil.node.partners.list() == []  # the initiator keeps nothing either
    after = {p.id: (p.roles, p.agreed) for p in await cpo.partners.list() if p.id in before}
    assert after == before


async def test_impersonation_in_a_credentials_put_is_refused(node_factory: NodeFactory) -> None:
    """The registered NL*IMP PUTs credentials that add another eMSP's and the SCSP's parties (its callback
    token is genuine, so without the check the PUT would succeed): refused, and it still sees nothing."""
    world = await build(node_factory)
    imp_url = world.nodes["imp"].versions_url
    async with httpx.AsyncClient() as http:
        for host, also in (("cpo", [("EMS", "EMSP"), ("SCS", "SCSP")]), ("emsp", [("CPO", "CPO")])):
            at_host = next(
                p for p in await world.nodes[host].node.partners.list() if p.versions_url == imp_url
            )
            roles = [_role("IMP", "EMSP")] + [_role(party, kind) for party, kind in also]
            body = {"token": at_host.outbound_token, "url": imp_url, "roles": roles}
            h = await world.headers("imp", host)
            answer = await http.put(world.url(host, "credentials"), json=body, headers=h)
            assert answer.status_code == 200 and answer.json()["status_code"] == 2001, answer.text
            assert "roles" in answer.json()["status_message"]
            again = next(p for p in await world.nodes[host].node.partners.list() if p.id == at_host.id)
            assert [str(p) for p in again.parties()] == ["NL*IMP (EMSP)"]
            assert again.outbound_token == at_host.outbound_token
        gone = await http.delete(world.url("cpo", "credentials"), headers=await world.headers("imp", "cpo"))
        assert gone.json()["status_code"] == 1000  # a partner may only unregister itself
        left = [
            str(p) for partner in await world.nodes["cpo"].node.partners.list() for p in partner.parties()
        ]
        assert sorted(left) == ["NL*EM2 (EMSP)", "NL*EMS (EMSP)", "NL*SCS (SCSP)"]
        h = await world.headers("imp", "emsp")
        sessions = await http.get(world.url("emsp", "receiver/sessions/NL/CPO/S1"), headers=h)
        assert sessions.status_code == 404


def _role(party: str, kind: str) -> dict[str, object]:
    return {"role": kind, "business_details": {"name": "Impostor"}, "party_id": party, "country_code": "NL"}


async def test_every_party_object_and_verb_at_the_scsp(node_factory: NodeFactory) -> None:
    """The SCSP's Receivers: the CPO's objects only from the CPO, the eMSP's forwarded sessions from it."""
    world = await build(node_factory)
    (forwarded,) = [f.id for f in await _forwards(world)]
    async with world.nodes["scsp"].node.database.unit_of_work() as uow:
        s1, fwd = await uow.sessions.get("NL", "CPO", "S1"), await uow.sessions.get("NL", "EMS", forwarded)
        loc1 = await uow.locations.get("NL", "CPO", "LOC1")
    assert s1 is not None and fwd is not None and loc1 is not None
    objects = (
        ("cpo", "session NL*CPO S1", "receiver/sessions/NL/CPO/S1", s1.session.to_wire()),
        ("emsp", "session NL*EMS forwarded", f"receiver/sessions/NL/EMS/{forwarded}", fwd.session.to_wire()),
        ("cpo", "location NL*CPO LOC1", "receiver/locations/NL/CPO/LOC1", loc1.location.to_wire()),
    )
    got: dict[tuple[str, str], Outcome] = {}
    expected: dict[tuple[str, str], Outcome] = {}
    async with httpx.AsyncClient() as http:
        for c in ("cpo", "emsp"):
            h = await world.headers(c, "scsp")
            for owner, what, path, body in objects:
                url = world.url("scsp", path)
                patch = {"last_updated": body["last_updated"]}
                got[c, f"GET {what}"] = outcome(await http.get(url, headers=h))
                got[c, f"PUT {what}"] = outcome(await http.put(url, json=body, headers=h))
                got[c, f"PATCH {what}"] = outcome(await http.patch(url, json=patch, headers=h))
                for verb in ("GET", "PUT", "PATCH"):
                    expected[c, f"{verb} {what}"] = "OK" if c == owner else REFUSED
    assert got == expected
