"""The CPO's Locations list GET over HTTP: OCPI pagination (offset, limit, date_from/date_to, Link,
X-Total-Count, X-Limit), each object its stored wire JSON, and what a page costs the database: one
statement when none of our locations is unpublished (counted with SQLAlchemy's statement events)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from fera.cpo import cpo_of
from fera.ocpi.locations.models import Location
from tests.integration.test_sessions_support import auth, location_json, outbound_token
from tests.nodes import NodeFactory, RunningNode, connect, role

SENDER = "/ocpi/2.2.1/sender/locations"


def stamped(location_id: str, hour: int) -> dict[str, Any]:
    return location_json(location_id) | {"last_updated": f"2030-01-01T{hour:02}:00:00Z"}


@contextmanager
def location_statements(node: RunningNode) -> Iterator[list[str]]:
    """The SQL statements on the node's database that read or write `locations` while the block runs
    (other tables: the node's background work, not the request's)."""
    seen: list[str] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "locations" in statement:
            seen.append(statement)

    engine = node.node.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", executed)


async def cpo_with_locations(
    node_factory: NodeFactory, *locations: dict[str, Any]
) -> tuple[RunningNode, str]:
    """A CPO holding `locations`, and the token its eMSP partner calls it with."""
    cpo = await node_factory(role("CPO"), name="cpo")
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    await connect(emsp, cpo)
    for location in locations:
        await cpo_of(cpo.node).locations.put_location(Location.model_validate(location))
    return cpo, await outbound_token(emsp, "CPO")


async def test_a_page_is_the_stored_objects_with_the_pagination_headers_in_one_statement(
    node_factory: NodeFactory,
) -> None:
    locations = [stamped(f"L{n}", 8 + n) for n in range(5)]
    cpo, token = await cpo_with_locations(node_factory, *locations)
    async with httpx.AsyncClient(timeout=10) as client:
        with location_statements(cpo) as statements:
            page = await client.get(cpo.url + SENDER, params={"offset": 1, "limit": 2}, headers=auth(token))
        assert len(statements) == 1, statements  # page, total and "any unpublished?" together
        assert page.status_code == 200
        assert page.json()["status_code"] == 1000
        assert page.json()["data"] == locations[1:3]  # exactly what was put, in the order put
        assert page.headers["X-Total-Count"] == "5"
        assert page.headers["X-Limit"] == "100"
        assert page.headers["Link"] == f'<{cpo.url}{SENDER}?offset=3&limit=2>; rel="next"'

        last = await client.get(cpo.url + SENDER, params={"offset": 3, "limit": 2}, headers=auth(token))
        assert [loc["id"] for loc in last.json()["data"]] == ["L3", "L4"]
        assert "Link" not in last.headers

        beyond = await client.get(cpo.url + SENDER, params={"offset": 9}, headers=auth(token))
        assert beyond.json()["data"] == []
        assert beyond.headers["X-Total-Count"] == "5"  # the total still holds past the end
        assert "Link" not in beyond.headers


async def test_date_from_and_date_to_window_the_page_and_its_total(node_factory: NodeFactory) -> None:
    cpo, token = await cpo_with_locations(node_factory, *(stamped(f"L{n}", 8 + n) for n in range(5)))
    window: dict[str, str | int] = {
        "date_from": "2030-01-01T09:00:00Z",
        "date_to": "2030-01-01T12:00:00Z",
        "limit": 2,
    }
    async with httpx.AsyncClient(timeout=10) as client:
        page = await client.get(cpo.url + SENDER, params=window, headers=auth(token))
    assert [loc["id"] for loc in page.json()["data"]] == ["L1", "L2"]  # from inclusive, to exclusive
    assert page.headers["X-Total-Count"] == "3"
    assert page.headers["Link"] == (
        f"<{cpo.url}{SENDER}?offset=2&limit=2&date_from=2030-01-01T09%3A00%3A00Z"
        '&date_to=2030-01-01T12%3A00%3A00Z>; rel="next"'
    )


async def test_an_unpublished_location_is_left_out_of_the_page_and_its_total(
    node_factory: NodeFactory,
) -> None:
    hidden = stamped("HIDDEN", 9) | {"publish": False}
    cpo, token = await cpo_with_locations(node_factory, stamped("L0", 8), hidden, stamped("L2", 10))
    async with httpx.AsyncClient(timeout=10) as client:
        with location_statements(cpo) as statements:
            page = await client.get(cpo.url + SENDER, params={"limit": 1}, headers=auth(token))
        second = await client.get(cpo.url + SENDER, params={"offset": 1, "limit": 1}, headers=auth(token))
    assert [loc["id"] for loc in page.json()["data"]] == ["L0"]
    assert page.headers["X-Total-Count"] == "2"
    assert page.headers["Link"] == f'<{cpo.url}{SENDER}?offset=1&limit=1>; rel="next"'
    assert len(statements) == 3  # the one-statement page saw an unpublished location: the exact path
    assert [loc["id"] for loc in second.json()["data"]] == ["L2"]
    assert "Link" not in second.headers


async def test_each_request_binds_its_own_window_to_the_kept_statement(node_factory: NodeFactory) -> None:
    """A page's statement is built once per shape and kept: what one request bound (its dates, its offset)
    must not leak into the next of the same shape, nor into the count of a page past the end."""
    cpo, token = await cpo_with_locations(node_factory, *(stamped(f"L{n}", 8 + n) for n in range(5)))
    later = {"date_from": "2030-01-01T11:00:00Z"}
    async with httpx.AsyncClient(timeout=10) as client:
        first = await client.get(cpo.url + SENDER, params=later | {"limit": 1}, headers=auth(token))
        other = await client.get(
            cpo.url + SENDER, params={"date_from": "2030-01-01T09:00:00Z", "limit": 1}, headers=auth(token)
        )
        beyond = await client.get(cpo.url + SENDER, params=later | {"offset": 7}, headers=auth(token))
    assert [loc["id"] for loc in first.json()["data"]] == ["L3"]
    assert first.headers["X-Total-Count"] == "2"
    assert [loc["id"] for loc in other.json()["data"]] == ["L1"]
    assert other.headers["X-Total-Count"] == "4"
    assert beyond.json()["data"] == []
    assert beyond.headers["X-Total-Count"] == "2"  # counted in the window, past the end
