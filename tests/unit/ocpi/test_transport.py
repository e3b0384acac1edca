"""The outbound transport on asyncio's streams, against real servers on loopback (plain and TLS)."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import httpcore
import httpx
import pytest
import trustme
import uvloop

from fera.node import KEPT_IDLE, OUTBOUND_LIMITS
from fera.ocpi.transport import outbound_transport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=10, keepalive_expiry=2.0)
ONE = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=2.0)


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    await reader.readexactly(length)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=outbound_transport(LIMITS), timeout=5.0) as http:
        yield http


async def _answer_until_closed(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes
) -> None:
    """A kept-alive connection: every request answered with `body` until the client closes it."""
    while not reader.at_eof():
        try:
            await _answer(reader, writer, body)
        except asyncio.IncompleteReadError:
            break
    writer.close()


async def _serve(handler: Handler, tls: ssl.SSLContext | None = None) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    return server, f"{'https' if tls else 'http'}://127.0.0.1:{port}"


async def test_requests_share_a_kept_alive_connection() -> None:
    connections: list[tuple[str, int]] = []
    ended = asyncio.Event()

    async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer.get_extra_info("peername"))
        await _answer_until_closed(reader, writer, b"ok")
        ended.set()

    server, url = await _serve(keep_alive)
    async with server:
        async with httpx.AsyncClient(transport=outbound_transport(LIMITS), timeout=5.0) as client:
            answers = [await client.post(url + "/r", json={"n": n}) for n in range(3)]
        await asyncio.wait_for(ended.wait(), 10)  # the client's close reached the server
    assert [(a.status_code, a.text) for a in answers] == [(200, "ok")] * 3
    assert len(connections) == 1


async def test_an_idle_connection_the_server_closed_is_not_reused(client: httpx.AsyncClient) -> None:
    """The server closes each connection after one answer: the pool must see it closed (readable at EOF)
    and open a new one, not write the next request into the dead one."""
    connections: list[tuple[str, int]] = []
    closed = asyncio.Event()

    async def one_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer.get_extra_info("peername"))
        await _answer(reader, writer, b"once")
        writer.close()
        await writer.wait_closed()
        closed.set()

    server, url = await _serve(one_answer)
    async with server:
        first = await client.get(url)
        await asyncio.wait_for(closed.wait(), 10)
        second = await client.get(url)
    assert (first.text, second.text) == ("once", "once")
    assert len(connections) == 2


async def test_a_refused_connection_is_httpx_connect_error(client: httpx.AsyncClient) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(httpx.ConnectError):
        await client.get(f"http://127.0.0.1:{port}/")


async def test_a_silent_server_is_httpx_read_timeout() -> None:
    heard, ended = asyncio.Event(), asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        heard.set()
        await reader.read()  # until the client gives up and closes
        writer.close()
        await writer.wait_closed()
        ended.set()

    server, url = await _serve(silent)
    timeout = httpx.Timeout(5.0, read=0.2)
    async with server, httpx.AsyncClient(transport=outbound_transport(LIMITS), timeout=timeout) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(url)
        await asyncio.wait_for(ended.wait(), 10)
    assert heard.is_set()


async def test_a_connection_dropped_mid_answer_is_httpx_remote_protocol_error(
    client: httpx.AsyncClient,
) -> None:
    ended = asyncio.Event()

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
        writer.close()
        await writer.wait_closed()
        ended.set()

    server, url = await _serve(drop)
    async with server:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(url)
        await asyncio.wait_for(ended.wait(), 10)


@pytest.fixture
def authority() -> trustme.CA:
    return trustme.CA()


def _tls_server(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


async def test_https_goes_through_tls_on_one_kept_alive_connection(authority: trustme.CA) -> None:
    """Every real OCPI peer is https: httpcore connects, then upgrades the stream (`start_tls`)."""
    connections: list[str | None] = []

    async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer.get_extra_info("ssl_object").version())
        await _answer_until_closed(reader, writer, b"secure")

    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    server, url = await _serve(keep_alive, _tls_server(authority))
    async with server, httpx.AsyncClient(transport=outbound_transport(LIMITS, trusting), timeout=5.0) as http:
        answers = [await http.post(url + "/r", json={"n": n}) for n in range(2)]
    assert [(a.status_code, a.text) for a in answers] == [(200, "secure")] * 2
    assert len(connections) == 1 and connections[0] in ("TLSv1.2", "TLSv1.3")


async def test_an_untrusted_certificate_is_httpx_connect_error(authority: trustme.CA) -> None:
    async def never(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server, url = await _serve(never, _tls_server(authority))
    async with server, httpx.AsyncClient(transport=outbound_transport(LIMITS), timeout=5.0) as http:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.get(url)


def test_the_transport_runs_on_uvloop(authority: trustme.CA) -> None:
    """`fera serve` runs on uvloop (uvicorn picks it when installed), whose `create_connection` takes no
    `happy_eyeballs_delay`: plain and TLS requests still go out, each on one kept-alive connection."""
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)

    async def both() -> list[tuple[int, str]]:
        assert not isinstance(asyncio.get_running_loop(), asyncio.BaseEventLoop)  # uvloop's, not asyncio's
        plain, url = await _serve(lambda r, w: _answer_until_closed(r, w, b"plain"))
        tls, tls_url = await _serve(lambda r, w: _answer_until_closed(r, w, b"tls"), _tls_server(authority))
        async with plain, tls, httpx.AsyncClient(transport=outbound_transport(LIMITS, trusting)) as http:
            answers = [await http.post(u + "/r", json={"n": 1}) for u in (url, url, tls_url, tls_url)]
        return [(a.status_code, a.text) for a in answers]

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        assert runner.run(both()) == [(200, "plain")] * 2 + [(200, "tls")] * 2


async def test_a_burst_leaves_at_most_kept_idle_connections_open() -> None:
    """httpcore's pool walks every connection for each idle one on every request (`bench.outbound`): the
    connections a burst opened beyond `KEPT_IDLE` are closed as soon as they are idle."""
    burst, open_now = 3 * KEPT_IDLE, 0
    all_open, settled, all_closed = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def hold_until_all_open(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_now
        open_now += 1
        if open_now == burst:
            all_open.set()
        await all_open.wait()  # every request of the burst on a connection of its own
        await _answer_until_closed(reader, writer, b"ok")
        open_now -= 1
        if all_open.is_set() and open_now <= KEPT_IDLE:
            settled.set()
        if not open_now:
            all_closed.set()

    server, url = await _serve(hold_until_all_open)
    async with server:
        transport = outbound_transport(OUTBOUND_LIMITS)
        async with httpx.AsyncClient(transport=transport, timeout=30.0) as client:
            answers = await asyncio.gather(*(client.post(url + "/r", json={}) for _ in range(burst)))
            await asyncio.wait_for(settled.wait(), 30)
            assert open_now == KEPT_IDLE  # the surplus closed, the rest kept for the next requests
            assert (await client.post(url + "/r", json={})).text == "ok"
        await asyncio.wait_for(all_closed.wait(), 30)  # every server side closed before the loop ends
    assert [a.text for a in answers] == ["ok"] * burst


class _Closings:
    """Wraps a handler: `all_closed` once every connection it served has ended (a test's server must not
    stop with one still open: its socket would be left to the garbage collector)."""

    def __init__(self, handler: Handler) -> None:
        self._handler, self.open, self.all_closed = handler, 0, asyncio.Event()

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open += 1
        self.all_closed.clear()
        try:
            await self._handler(reader, writer)
        finally:
            writer.close()
            self.open -= 1
            if not self.open:
                self.all_closed.set()


class _Counted:
    """Counts the requests inside the transport's httpcore pool at once."""

    def __init__(self, pool: httpcore.AsyncConnectionPool) -> None:
        self._enter, self.inside, self.most = pool.handle_async_request, 0, 0
        pool.handle_async_request = self._handle  # type: ignore[method-assign]

    async def _handle(self, request: httpcore.Request) -> httpcore.Response:
        self.inside += 1
        self.most = max(self.most, self.inside)
        try:
            return await self._enter(request)
        finally:
            self.inside -= 1


async def test_requests_beyond_the_connections_wait_outside_httpcores_pool() -> None:
    """httpcore's pool walks every connection for each queued request on every request and every response
    closed (800 requests at once on 100 connections not yet open: every one failed): no more requests
    may enter it than it has connections, the others wait their turn in front of it."""
    connections = 10  # kept alive for the whole test, however slow the host: none is opened twice
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=60.0
    )
    burst, opened = 5 * connections, 0
    all_open = asyncio.Event()

    async def hold_until_the_pool_is_full(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal opened
        opened += 1
        if opened == connections:
            all_open.set()
        await all_open.wait()  # every connection taken before any answer frees one
        await _answer_until_closed(reader, writer, b"ok")

    closings = _Closings(hold_until_the_pool_is_full)
    server, url = await _serve(closings)
    async with server:
        transport = outbound_transport(limits)
        counted = _Counted(transport._pool)
        async with httpx.AsyncClient(transport=transport, timeout=30.0) as client:
            answers = await asyncio.gather(*(client.post(url + "/r", json={}) for _ in range(burst)))
        await asyncio.wait_for(closings.all_closed.wait(), 30)
    assert [a.text for a in answers] == ["ok"] * burst
    assert counted.most == connections  # full, never more (httpx alone: all 50 inside at once)
    assert opened == connections


async def test_a_request_that_waits_at_the_gate_beyond_its_pool_timeout_is_httpx_pool_timeout() -> None:
    heard, done = asyncio.Event(), asyncio.Event()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heard.set()
        await done.wait()
        await _answer_until_closed(reader, writer, b"ok")

    closings = _Closings(hold)
    server, url = await _serve(closings)
    async with server:
        async with httpx.AsyncClient(transport=outbound_transport(ONE), timeout=5.0) as http:
            first = asyncio.create_task(http.post(url + "/r", json={}))
            await heard.wait()  # the one connection is taken
            with pytest.raises(httpx.PoolTimeout):
                await http.post(url + "/r", json={}, timeout=httpx.Timeout(5.0, pool=0.1))
            done.set()
            assert (await first).text == "ok"
            assert (await http.post(url + "/r", json={})).text == "ok"  # the wait left no place taken
        await asyncio.wait_for(closings.all_closed.wait(), 10)


async def test_a_failed_request_gives_its_place_back() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    closings = _Closings(lambda r, w: _answer_until_closed(r, w, b"ok"))
    server, url = await _serve(closings)
    async with server:
        async with httpx.AsyncClient(transport=outbound_transport(ONE), timeout=5.0) as http:
            with pytest.raises(httpx.ConnectError):
                await http.get(f"http://127.0.0.1:{port}/")
            assert (await http.post(url + "/r", json={})).text == "ok"  # the one place is free again
        await asyncio.wait_for(closings.all_closed.wait(), 10)
