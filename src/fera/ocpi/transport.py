"""The outbound HTTP transport: httpx's own, its connections on asyncio's streams rather than through anyio.

httpcore reaches the network through a pluggable backend (`httpcore.AsyncNetworkBackend`); on asyncio it
picks anyio's, whose per-call layers (a cancel scope per read and write, the socket's attribute table rebuilt
for every idle connection the pool checks on every request) cost a busy CPO about a quarter of each outbound
request's CPU: measured on loopback, httpcore with 8 requests in flight 0.66 ms of CPU per request on anyio
and 0.46 on this backend. Everything else (pooling, HTTP/1.1, proxies, TLS settings, error mapping) stays
httpx's and httpcore's.

Requests beyond the pool's connections wait in front of it (`GatedTransport`), not in its queue: httpcore's
pool walks every connection for every queued request on every request and every response closed, so a
queue makes each request dearer the longer it is. While its connections open (a burst after
`keepalive_expiry` of quiet), every request of a burst waits in it: `bench.outbound`, 800 requests at once on
100 connections not yet open, 32 ms of CPU per request and every one failed (pool or connect timeout);
gated, 2.5 ms and none failed (500 at once: 20 ms and 10 s for the burst, gated 2.1 ms and 1 s).
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

__all__ = ["AsyncioBackend", "GatedTransport", "outbound_transport", "unproxied"]

_Errors = tuple[type[Exception], type[Exception]]  # (failed, timed out)
_READ: _Errors = (httpcore.ReadError, httpcore.ReadTimeout)
_WRITE: _Errors = (httpcore.WriteError, httpcore.WriteTimeout)
_CONNECT: _Errors = (httpcore.ConnectError, httpcore.ConnectTimeout)
_HAPPY_EYEBALLS_S = 0.25  # a host's next address is tried this soon (RFC 8305's delay; anyio's too)


@contextmanager
def _mapped(errors: _Errors) -> Iterator[None]:
    """asyncio's errors as the httpcore errors httpx translates (timeouts first: they are OSErrors too)."""
    try:
        yield
    except TimeoutError as exc:
        raise errors[1](str(exc)) from exc
    except (OSError, EOFError, ssl.SSLError) as exc:
        raise errors[0](str(exc) or type(exc).__name__) from exc


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer
        # httpcore asks every idle pooled connection whether the server closed it, twice per request.
        self._readable = select.poll()
        self._readable.register(writer.get_extra_info("socket").fileno(), select.POLLIN)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _mapped(_READ):
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        with _mapped(_WRITE):
            self._writer.write(buffer)
            if self._writer.transport.get_write_buffer_size():  # the kernel did not take it all at once
                async with asyncio.timeout(timeout):
                    await self._writer.drain()

    async def aclose(self) -> None:
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        with _mapped(_CONNECT):
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # an idle keep-alive connection the server closed (httpcore's check)
            return bool(self._readable.poll(0))  # data or EOF (or an error) where none is due
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        names = {"client_addr": "sockname", "server_addr": "peername", "socket": "socket"}
        return self._writer.get_extra_info(names[info]) if info in names else None


async def _open(
    host: str, port: int, local: tuple[str, int] | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """asyncio's own loop tries a host's next address this soon; uvloop's (which `fera serve` runs on)
    takes no such argument and tries them in turn."""
    if isinstance(asyncio.get_running_loop(), asyncio.BaseEventLoop):
        return await asyncio.open_connection(
            host, port, local_addr=local, happy_eyeballs_delay=_HAPPY_EYEBALLS_S
        )
    return await asyncio.open_connection(host, port, local_addr=local)


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        with _mapped(_CONNECT):
            async with asyncio.timeout(timeout):
                reader, writer = await _open(host, port, local)
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as anyio does: no Nagle delay
        return _Stream(reader, writer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        with _mapped(_CONNECT):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_unix_connection(path)
        return _Stream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _Releasing(httpx.AsyncByteStream):
    """A response's body that gives its place at the gate back once closed (its connection is then free)."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream, self._release, self._released = stream, release, False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if not self._released:  # closed twice, released once
                self._released = True
                self._release()


class GatedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with at most `max_connections` requests inside its pool; the others wait at an
    `asyncio.Semaphore` (first come, first served, as in the pool), each at most its pool timeout."""

    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(limits=limits)
        self._gate = asyncio.Semaphore(limits.max_connections or 2**31)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        wait = request.extensions.get("timeout", {}).get("pool")
        try:
            async with asyncio.timeout(wait):
                await self._gate.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("no connection free in time", request=request) from None
        try:
            response = await super().handle_async_request(request)
        except BaseException:
            self._gate.release()
            raise
        if isinstance(response.stream, httpx.AsyncByteStream):  # always, from httpx's async transport
            response.stream = _Releasing(response.stream, self._gate.release)
        else:
            self._gate.release()
        return response


def outbound_transport(
    limits: httpx.Limits, ssl_context: ssl.SSLContext | None = None
) -> httpx.AsyncHTTPTransport:
    """httpx's transport with `limits` behind a gate (`GatedTransport`), its pool on `AsyncioBackend`; TLS as
    httpx's default (the system's trusted certificates) unless `ssl_context` is given. The client still mounts
    the proxies the environment names (trust_env), on httpx's own transports."""
    transport = GatedTransport(limits)
    # httpx does not take a network backend; its pool is rebuilt with the same settings and this backend.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context or httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=AsyncioBackend(),
    )
    return transport


def unproxied(transport: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport | None:
    """`transport`, when the environment names no proxy (a client then sends every request through the
    transport it mounted for all URLs: the caller may hand requests to it directly); else None. httpx mounts
    proxies for the `http`, `https` and `all` schemes of `urllib.request.getproxies()`, nothing else."""
    proxies = urllib.request.getproxies()
    return None if any(proxies.get(scheme) for scheme in ("http", "https", "all")) else transport
