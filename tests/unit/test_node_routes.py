"""A node's app holds every route in its own list: FastAPI matches a request through an included router
twice (bench/README "GET version details: the routes in one list")."""

from __future__ import annotations

import pytest
from starlette.routing import Mount, Route, WebSocketRoute

from fera.docs_openapi import ROLES, example_node


@pytest.mark.parametrize("name", sorted(ROLES))
def test_every_route_of_a_node_is_matched_directly(name: str) -> None:
    routes = example_node(ROLES[name]).app.routes
    nested = [route for route in routes if not isinstance(route, Route | Mount | WebSocketRoute)]
    assert not nested, f"{len(nested)} routes matched through another: {type(nested[0]).__name__}"
    paths = {route.path for route in routes if isinstance(route, Route)}
    assert {"/ocpi/versions", "/ocpi/2.2.1", "/ocpi/2.2.1/credentials"} <= paths
