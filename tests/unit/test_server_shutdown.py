"""A node's server stops promptly, whatever connections are open when it begins to."""

from __future__ import annotations

import asyncio
import socket

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from fera.node import OUTBOUND_TIMEOUT
from fera.server import GRACEFUL_SHUTDOWN_S, Server, bind, server_config
from tests.nodes import NodeFactory, role

# Far beyond what a shutdown takes here (about 0.2 s): only a connection left open holds it that long.
PROMPT_S = 5.0


class RegisteredLate(HttpToolsProtocol):
    """A connection that asyncio accepted just before the listening socket closed, but registered after
    uvicorn asked every known connection to close: the race, made certain."""

    uvicorn_server: uvicorn.Server  # (`server` is the protocol's own: its local address)
    registered: asyncio.Event

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if any(listening.is_serving() for listening in self.uvicorn_server.servers):
            asyncio.get_running_loop().call_later(0.01, self.connection_made, transport)
            return
        # uvicorn closed its listening sockets and asked its connections to close in one step, and waits
        # 0.1 s before it checks whether any is left: this one is registered in between.
        super().connection_made(transport)
        self.registered.set()


async def test_a_connection_registered_while_the_server_shuts_down_is_closed_too() -> None:
    config = uvicorn.Config(Starlette(), http=RegisteredLate, lifespan="off", log_config=None)
    server = Server(config)
    RegisteredLate.uvicorn_server, RegisteredLate.registered = server, asyncio.Event()
    listening = bind()
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    while not server.started:
        await asyncio.sleep(0.01)
    client = socket.create_connection(listening.getsockname())  # idle: it sends nothing
    client.setblocking(False)
    try:
        server.should_exit = True  # before the connection is registered
        await asyncio.wait_for(RegisteredLate.registered.wait(), PROMPT_S)
        await asyncio.wait_for(serving, PROMPT_S)  # uvicorn.Server alone waits for the client to hang up
        closed = await asyncio.get_running_loop().sock_recv(client, 1)
        assert closed == b""  # the server closed it
    finally:
        client.close()
        listening.close()
        serving.cancel()


async def test_fera_serve_bounds_its_graceful_shutdown(node_factory: NodeFactory) -> None:
    """Longer than a call to a peer may take, shorter than an orchestrator waits before it kills."""
    cpo = await node_factory(role("CPO"), name="cpo")
    config = server_config(cpo.node, log_level=None)
    assert config.timeout_graceful_shutdown == GRACEFUL_SHUTDOWN_S
    assert OUTBOUND_TIMEOUT.read is not None and OUTBOUND_TIMEOUT.read < GRACEFUL_SHUTDOWN_S < 30


async def test_a_request_that_never_ends_is_cancelled_after_the_graceful_shutdown() -> None:
    """What that bound does (1 s of it here): uvicorn alone would wait for ever."""
    started = asyncio.Event()

    async def endless(scope: Scope, receive: Receive, send: Send) -> None:
        started.set()
        await asyncio.Event().wait()

    server = Server(uvicorn.Config(endless, lifespan="off", log_config=None, timeout_graceful_shutdown=1))
    listening = bind()
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(timeout=PROMPT_S) as client:
            request = asyncio.create_task(client.get(f"http://127.0.0.1:{listening.getsockname()[1]}/"))
            await asyncio.wait_for(started.wait(), PROMPT_S)
            server.should_exit = True
            await asyncio.wait_for(serving, PROMPT_S)
            assert (await request).status_code == 500  # cancelled: uvicorn answers for it
    finally:
        listening.close()
        serving.cancel()
