"""The CPO's Sessions list GET: each session its stored wire JSON, in one statement, with nothing committed
(counted with SQLAlchemy's events on the CPO's engine)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from fera.cpo import cpo_of
from fera.ocpi.locations.models import Location
from tests.integration.test_sessions_support import auth, location_json, outbound_token, token
from tests.nodes import NodeFactory, RunningNode, connect, role

SENDER = "/ocpi/2.2.1/sender/sessions"


@contextmanager
def database_work(node: RunningNode) -> Iterator[tuple[list[str], list[str]]]:
    """(statements on `sessions`, commits) on the node's engine while the block runs."""
    statements: list[str] = []
    commits: list[str] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "sessions" in statement:
            statements.append(statement)

    def committed(conn: Any) -> None:
        commits.append(str(conn))

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
        with database_work(cpo) as (statements, commits):
            page = await client.get(
                cpo.url + SENDER, params={"date_from": "2000-01-01T00:00:00Z", "limit": 2}, headers=headers
            )
    assert page.status_code == 200
    assert page.json()["data"] == [s.to_wire() for s in started[:2]]  # exactly what was stored, oldest first
    assert page.headers["X-Total-Count"] == "3"
    assert page.headers["Link"].endswith('offset=2&limit=2&date_from=2000-01-01T00%3A00%3A00Z>; rel="next"')
    assert len(statements) == 1, statements
    assert commits == []
