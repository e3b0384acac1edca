"""The peer client hands the requests its httpx client built straight to the node's transport, unless the
environment names a proxy: same wire, the client's timeouts, errors as PeerErrors."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from fera.ocpi.errors import PeerError
from fera.ocpi.peer import PeerClient, PeerTarget
from fera.ocpi.transport import outbound_transport, unproxied

LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=10, keepalive_expiry=2.0)
TARGET = PeerTarget(name="emsp", token="tok", base64_token=False)
OK = b'{"status_code":1000,"timestamp":"2030-01-01T00:00:00Z"}'
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def direct(no_proxy: None) -> AsyncIterator[PeerClient]:
    transport = outbound_transport(LIMITS)
    async with httpx.AsyncClient(mounts={"all://": transport}, timeout=1.0) as http:
        assert unproxied(transport) is transport
        yield PeerClient(http, direct=unproxied(transport))


async def _serve(answer: bool, seen: list[tuple[bytes, dict[str, object]]]) -> tuple[asyncio.Server, str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            length = next(int(h.split(b":")[1]) for h in lines if h.lower().startswith(b"content-length"))
            seen.append((lines[0], json.loads(await reader.readexactly(length))))
            if answer:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(OK), OK))
                await writer.drain()
            await reader.read()  # held open until the client goes
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


async def test_a_request_skips_the_clients_send(direct: PeerClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def refused(*_: object, **__: object) -> httpx.Response:
        raise AssertionError("sent through the client's layers")

    monkeypatch.setattr(httpx.AsyncClient, "send", refused)
    seen: list[tuple[bytes, dict[str, object]]] = []
    server, url = await _serve(True, seen)
    async with server:
        reply = await direct.call(TARGET, "POST", url + "/results/1", json={"result": "ACCEPTED"})
    assert (reply.http_status, reply.envelope.status_code) == (200, 1000)
    assert seen == [(b"POST /results/1 HTTP/1.1", {"result": "ACCEPTED"})]


async def test_the_clients_timeout_still_holds(direct: PeerClient) -> None:
    seen: list[tuple[bytes, dict[str, object]]] = []
    server, url = await _serve(False, seen)  # takes the request, never answers
    async with server:
        with pytest.raises(PeerError, match="ReadTimeout"):
            await asyncio.wait_for(direct.call(TARGET, "POST", url + "/r", json={"n": 1}), 30)
    assert len(seen) == 1


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_proxy_in_the_environment_keeps_the_clients_way(
    no_proxy: None, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "http://proxy.invalid:3128")
    assert unproxied(outbound_transport(LIMITS)) is None


async def test_the_clients_event_hooks_still_see_every_request(no_proxy: None) -> None:
    hooked: list[str] = []

    async def hook(request: httpx.Request) -> None:
        hooked.append(request.url.path)

    transport = outbound_transport(LIMITS)
    seen: list[tuple[bytes, dict[str, object]]] = []
    server, url = await _serve(True, seen)
    async with server, httpx.AsyncClient(mounts={"all://": transport}, timeout=5.0) as http:
        http.event_hooks["request"].append(hook)  # as tests do on a node's client
        await PeerClient(http, direct=unproxied(transport)).call(TARGET, "POST", url + "/results/2", json={})
    assert hooked == ["/results/2"]


async def test_httpxs_log_of_every_request_still_has_them(
    direct: PeerClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="httpx")  # `fera serve --log httpx=info`
    seen: list[tuple[bytes, dict[str, object]]] = []
    server, url = await _serve(True, seen)
    async with server:
        await direct.call(TARGET, "POST", url + "/results/3", json={})
    assert [r.getMessage() for r in caplog.records if r.name == "httpx"] == [
        f'HTTP Request: POST {url}/results/3 "HTTP/1.1 200 OK"'
    ]
