"""The hostile sweep (`tests/wire/ocpi/hostile.py`) against each role: every answer an OCPI envelope whose
HTTP status agrees with its OCPI status, no 5xx, no error logged, nothing written by a refused request.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from fera.config import NodeConfig
from fera.exchange import exchange_of
from fera.node import Node, create_node
from fera.ocpi.auth import hash_token, new_token
from fera.ocpi.hubclientinfo import ClientInfo
from fera.ocpi.types import Role
from fera.partners import Partner, PartnerEndpoint, PartnerRole
from fera.smartcharging.model import RequestState
from tests.integration.chargingprofiles.setup import location, session
from tests.nodes import role
from tests.wire.ocpi.hostile import Hostile, hostile_requests, problems

PEER = "http://peer.test"
NOW = "2030-01-01T07:00:00Z"
# Partner health is bookkeeping of contacts (our calls and theirs), written whatever the request's answer.
BOOKKEEPING = {"last_contact_at", "last_error", "last_error_at", "last_inbound_at"}


@dataclass
class Swept:
    node: Node
    http: httpx.AsyncClient
    token: str
    store: Store
    hub: bool  # the partner is a hub, the parties behind it


def _peer(request: httpx.Request) -> httpx.Response:
    """No peer in the hostile sweep, except one that refuses every ChargingProfile at once.

    A Sender's request that fails (the peer unreachable) is sent again by the SCSP's planner 5, 10, 20 ...
    s later, a timer `_settled` cannot wait for: one fired while a refused request was being checked, and
    its new request row looked like that request's write. A refusal ends the steering of the session (no
    timer left), so whatever changes the store in a refused request's window is that request's doing."""
    if request.url.path.startswith("/chargingprofiles/") and request.method in ("PUT", "DELETE"):
        answer = {"result": "REJECTED", "timeout": 30}
        return httpx.Response(200, json={"data": answer, "status_code": 1000, "timestamp": NOW})
    raise httpx.ConnectError("no peer in the hostile sweep", request=request)


PARTIES = [("CPO", "CPX"), ("EMSP", "MSP"), ("SCSP", "SCX")]


async def _partner(node: Node, token: str, hub: bool = False) -> None:
    """A partner holding a CPO, an eMSP and an SCSP party, so requests get past confinement; or a hub with
    those parties behind it (its ClientInfo)."""
    parties = [("HUB", "HUB")] if hub else PARTIES
    partner = Partner(
        id=str(uuid.uuid4()),
        name="hostile",
        created_at=datetime.now(UTC),
        roles=[PartnerRole(Role(kind), "NL", party, kind) for kind, party in parties],
        outbound_token=new_token(),
        inbound_token_hash=hash_token(token),
        endpoints=[
            PartnerEndpoint(m, r, f"{PEER}/{m}")
            for m in ("chargingprofiles", "sessions", "locations", "tokens")
            for r in ("SENDER", "RECEIVER")
        ],
    )
    async with node.database.unit_of_work() as uow:
        await uow.partners.add(partner)
        for kind, party in PARTIES if hub else []:
            info = {"country_code": "NL", "party_id": party, "role": kind, "status": "CONNECTED"}
            await uow.hub_client_infos.put(
                partner.id, ClientInfo.model_validate(info | {"last_updated": NOW})
            )
        if node.config.party(Role.CPO) is not None and await uow.sessions.own("S1") is None:
            await uow.locations.put(location(), None)
            await uow.sessions.put(session("S1", "LOC1-E1", "MSP"), None)


@pytest.fixture
async def swept(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Swept]:
    kind, _, hub = request.param.partition("-")
    config = NodeConfig(
        name=kind,
        public_url="http://node.test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'n.sqlite3'}",
        roles=[role(kind.upper(), party="FER")],
    )
    node = create_node(config, transport=httpx.MockTransport(_peer))
    node.peer.observer = None  # partner health bookkeeping: written on any outbound call, whatever the answer
    await node.start()
    store = Store(node, tmp_path / "n.sqlite3")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app)) as http:
            swept = Swept(node, http, new_token(), store, hub == "hub")
            await _partner(node, swept.token, swept.hub)
            yield swept
    finally:
        store.close()
        await node.stop()


async def _settled(node: Node) -> None:
    """Let the work a request left behind (pushes, ChargingProfile jobs) finish before a snapshot."""
    exchange = exchange_of(node)
    await exchange.pusher.drain()
    await exchange.sync.drain()
    if node.cpo_profiles is not None:
        await node.cpo_profiles.applier.drain()
    if node.planner is not None:
        await node.planner.settle(timeout=120)


class Store:
    """The node's SQLite file as a refused request must leave it. `PRAGMA data_version` on a connection of our
    own changes whenever the node commits, so the whole store is only read again after a write."""

    def __init__(self, node: Node, path: Path) -> None:
        self.node, self._watch = node, sqlite3.connect(path)
        self._version: object = None
        self._rows: dict[str, list[tuple[object, ...]]] = {}

    def version(self) -> object:
        return self._watch.execute("PRAGMA data_version").fetchone()[0]

    async def rows(self) -> dict[str, list[tuple[object, ...]]]:
        version = self.version()
        if version != self._version:
            self._version, self._rows = version, await _snapshot(self.node)
        return self._rows

    def close(self) -> None:
        self._watch.close()


async def _snapshot(node: Node) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (less partner health), to tell whether a refused request wrote anything."""
    out: dict[str, list[tuple[object, ...]]] = {}
    async with node.database.engine.connect() as conn:
        names = await conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
        tables: list[str] = list(names.scalars().all())
        for name in tables:
            rows = await conn.execute(text(f'SELECT * FROM "{name}"'))
            keep = [i for i, column in enumerate(rows.keys()) if column not in BOOKKEEPING]
            out[name] = sorted((tuple(row[i] for i in keep) for row in rows.all()), key=repr)
    return out


async def _send(swept: Swept, hostile: Hostile) -> httpx.Response:
    url = "http://node.test" + hostile.url
    headers, content = hostile.raw_headers(), hostile.content
    return await swept.http.request(hostile.method, url, headers=headers, content=content)


@pytest.mark.timeout(900)
@pytest.mark.parametrize("swept", ["cpo", "emsp", "scsp", "cpo-hub", "emsp-hub"], indirect=True)
async def test_hostile_http_gets_ocpi_answers_and_writes_nothing_when_refused(
    swept: Swept, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    token_a = (await swept.node.partners.invite("never-registers")).token_a
    found: list[str] = []
    sent = 0
    for hostile in hostile_requests(swept.node.app, swept.token, token_a):
        await _settled(swept.node)
        before = await swept.store.rows()
        response = await _send(swept, hostile)
        sent += 1
        wrong = problems(hostile, response)
        refused = not 1000 <= response.json().get("status_code", 0) < 2000 if not wrong else False
        await _settled(swept.node)
        if refused and (after := await swept.store.rows()) != before:
            changed = sorted(t for t in {*before, *after} if before.get(t) != after.get(t))
            wrong.append(f"a refused request changed the store: {changed}")
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        if errors:
            wrong.append("logged: " + "; ".join(r.getMessage() for r in errors))
            caplog.clear()
        if wrong:
            found.append(f"{hostile} -> {response.status_code} {response.text[:200]}: {wrong}")
        if await swept.node.partners.resolve(hash_token(swept.token)) is None:
            await _partner(swept.node, swept.token, swept.hub)  # a credentials DELETE took it away
    assert sent > 1000
    assert await _unsettled_requests(swept.node) == []
    assert not found, f"{len(found)} of {sent}:\n" + "\n".join(found[:40])


async def _unsettled_requests(node: Node) -> list[str]:
    """The node's ChargingProfile requests that did not end refused: one that failed is sent again on a
    timer, which a later request's check would take for that request's write (see `_peer`)."""
    async with node.database.unit_of_work() as uow:
        requests = await uow.profile_requests.all()
    unsettled = [r for r in requests if r.state is not RequestState.REFUSED]
    return [f"{r.kind.value} {r.session_id}: {r.state.value} {r.error}" for r in unsettled]
