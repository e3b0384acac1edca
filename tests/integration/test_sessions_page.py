"""The CPO's Sessions and the eMSP's Tokens list GETs: each object its stored wire JSON, in one statement,
with nothing committed (counted with SQLAlchemy's events on the serving node's engine)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from fera.cpo import cpo_of
from fera.emsp import emsp_of
from fera.ocpi.locations.models import Location
from tests.integration.authz_world import emsp_token
from tests.integration.test_sessions_support import (
    auth,
    location_json,
    outbound_token,
    settle,
    token,
)
from tests.nodes import NodeFactory, RunningNode, connect, role

SENDER = "/ocpi/2.2.1/sender/sessions"
DATE_FROM = {"date_from": "2000-01-01T00:00:00Z"}


async def quiet(node: RunningNode, client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
    """A first request, then the node's bookkeeping done: its record of the partner's last contact is
    written (at most every 30 s), and its pushes sent, so what follows is the request's own work."""
    assert (await client.get(url, params=DATE_FROM, headers=headers)).status_code == 200
    await node.node.contacts.drain()
    await settle(node)


@contextmanager
def database_work(node: RunningNode, table: str) -> Iterator[tuple[list[str], list[Any]]]:
    """(statements on `table`, commits of the connections that ran them) on the node's engine while the
    block runs; the node's other work (PostgreSQL's job claimers commit every 0.5 s) is left out."""
    statements: list[str] = []
    readers: list[Any] = []
    commits: list[Any] = []

    def executed(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if table in statement:
            statements.append(statement)
            readers.append(conn)

    def committed(conn: Any) -> None:
        if any(conn is reader for reader in readers):
            commits.append(conn)

    engine = node.node.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", executed)
    event.listen(engine, "commit", committed)
    try:
        yield statements, commits
    finally:
        event.remove(engine, "before_cursor_execute", executed)
        event.remove(engine, "commit", committed)


async def test_a_page_of_sessions_is_their_stored_json_in_one_statement_without_a_commit(
    node_factory: NodeFactory,
) -> None:
    cpo = await node_factory(role("CPO"), name="cpo")
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    await connect(emsp, cpo)
    await cpo_of(cpo.node).locations.put_location(Location.model_validate(location_json("LOC1")))
    started = [
        await cpo_of(cpo.node).sessions.start_session(
            session_id=f"S{n}",
            token=token(uid=f"T{n}"),
            location_id="LOC1",
            evse_uid="LOC1-E1",
            connector_id="1",
        )
        for n in range(3)
    ]
    headers = auth(await outbound_token(emsp, "CPO"))
    async with httpx.AsyncClient(timeout=10) as client:
        await quiet(cpo, client, cpo.url + SENDER, headers)
        with database_work(cpo, "sessions") as (statements, commits):
            page = await client.get(
                cpo.url + SENDER, params={"date_from": "2000-01-01T00:00:00Z", "limit": 2}, headers=headers
            )
    assert page.status_code == 200
    assert page.json()["data"] == [s.to_wire() for s in started[:2]]  # exactly what was stored, oldest first
    assert page.headers["X-Total-Count"] == "3"
    assert page.headers["Link"].endswith('offset=2&limit=2&date_from=2000-01-01T00%3A00%3A00Z>; rel="next"')
    assert len(statements) == 1, statements
    assert commits == []


async def test_a_page_of_tokens_is_their_stored_json_in_one_statement_without_a_commit(
    node_factory: NodeFactory,
) -> None:
    cpo = await node_factory(role("CPO"), name="cpo")
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    await connect(emsp, cpo)
    tokens = [await emsp_of(emsp.node).tokens.put_token(emsp_token(f"T{n}")) for n in range(3)]
    headers = auth(await outbound_token(cpo, "EMS"))
    async with httpx.AsyncClient(timeout=10) as client:
        await quiet(emsp, client, emsp.url + "/ocpi/2.2.1/sender/tokens", headers)
        with database_work(emsp, "tokens") as (statements, commits):
            page = await client.get(
                emsp.url + "/ocpi/2.2.1/sender/tokens", params={"offset": 1}, headers=headers
            )
    assert page.status_code == 200
    assert page.json()["data"] == [t.to_wire() for t in tokens[1:]]
    assert page.headers["X-Total-Count"] == "3"
    assert "Link" not in page.headers
    assert len(statements) == 1, statements
    assert commits == []
