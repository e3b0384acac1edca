"""Request bodies are bounded: 413 with an OCPI envelope, decided before the body is read in full."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from fera.node import Node
from tests.wire.conftest import auth, registered_partner

URL = "/ocpi/2.2.1/receiver/chargingprofiles/S1"
LIMIT = 1_048_576  # the default max_request_body_bytes
CHUNK = 64 * 1024


@pytest.fixture
async def token(node: Node) -> str:
    return (await registered_partner(node))[1]


def assert_413(response: httpx.Response) -> None:
    assert response.status_code == 413
    body = response.json()
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$", body.pop("timestamp"))
    assert body == {"status_code": 2000, "status_message": f"Request body too large: at most {LIMIT} bytes"}
    assert response.headers["x-request-id"]  # the house headers are still there


async def test_declared_length_above_the_limit_is_refused(client: httpx.AsyncClient, token: str) -> None:
    response = await client.put(URL, content=b" " * (LIMIT + 1), headers=auth(token))
    assert_413(response)


async def test_chunked_body_is_refused_once_past_the_limit(client: httpx.AsyncClient, token: str) -> None:
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(1000):  # 64 MB offered; only a little over the limit may be taken
            sent.append(CHUNK)
            yield b" " * CHUNK

    response = await client.put(URL, content=endless(), headers=auth(token))
    assert "content-length" not in response.request.headers
    assert_413(response)
    assert sum(sent) <= LIMIT + CHUNK


async def test_a_body_at_the_limit_goes_through(client: httpx.AsyncClient, token: str) -> None:
    padded = b'{"response_url": "http://peer.test/r/1"}'.ljust(LIMIT)  # JSON allows trailing spaces
    headers = auth(token) | {"Content-Type": "application/json"}
    response = await client.put(URL, content=padded, headers=headers)
    assert response.status_code == 200
    assert response.json()["status_message"].startswith("Invalid or missing parameters: charging_profile")
