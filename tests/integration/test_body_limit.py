"""A serving node refuses an oversized body over a real socket before the client has finished sending it."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.nodes import NodeFactory, RunningNode, role

pytestmark = pytest.mark.timeout(60)
PATH = "/ocpi/2.2.1/receiver/chargingprofiles/S1"
CHUNK = 64 * 1024


async def _answer(reader: asyncio.StreamReader) -> tuple[str, dict[str, object]]:
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)).decode("latin-1")
    lines = head.split("\r\n")
    length = next(int(line.split(":")[1]) for line in lines if line.lower().startswith("content-length"))
    return lines[0], json.loads(await reader.readexactly(length))


async def _open(cpo: RunningNode, headers: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", cpo.node.config.port)
    request = f"PUT {PATH} HTTP/1.1\r\nHost: cpo\r\nContent-Type: application/json\r\n{headers}\r\n"
    writer.write(request.encode())
    await writer.drain()
    return reader, writer


async def test_declared_50_mb_is_answered_413_without_sending_any_of_it(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO"), name="cpo")
    reader, writer = await _open(cpo, f"Content-Length: {50 * 1024 * 1024}\r\n")
    status, body = await _answer(reader)  # not one byte of the body was sent
    writer.close()
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert body["status_code"] == 2000
    assert body["status_message"] == "Request body too large: at most 1048576 bytes"


async def test_chunked_body_is_cut_off_at_the_limit(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO"), name="cpo", max_request_body_bytes=256 * 1024)
    reader, writer = await _open(cpo, "Transfer-Encoding: chunked\r\n")
    sent = 0

    async def send_forever() -> None:
        nonlocal sent
        while True:  # a hostile client that never stops
            writer.write(f"{CHUNK:x}\r\n".encode() + b" " * CHUNK + b"\r\n")
            await writer.drain()
            sent += CHUNK

    sender = asyncio.create_task(send_forever())
    status, body = await _answer(reader)
    sender.cancel()
    await asyncio.gather(sender, return_exceptions=True)
    writer.close()
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert body["status_message"] == "Request body too large: at most 262144 bytes"
    assert sent < 64 * 1024 * 1024  # the answer came long before the client would have stopped
