"""Run a node's app with uvicorn, in-process; used by `fera serve`, the demo and the tests."""

from __future__ import annotations

import asyncio
import os
import socket

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import LOGGING_CONFIG

from fera.node import Node

__all__ = [
    "GRACEFUL_SHUTDOWN_S",
    "KEEP_ALIVE_S",
    "OneLineLifespanFailure",
    "RunningServer",
    "Server",
    "bind",
    "free_port",
    "server_config",
    "start_server",
]

# How long an idle inbound connection stays open: well beyond the outbound pool's expiry (fera.node), so a
# peer FERA never writes a request on a connection we are closing at that instant (a ReadError, and a lost
# result POST, on a loaded machine). uvicorn's default of 5 s equals httpx's default pool expiry.
KEEP_ALIVE_S = 30
# What a stopping node gives the requests in flight before it cancels them (their transactions roll back):
# more than a call to a peer may take (`fera.node.OUTBOUND_TIMEOUT`, 10 s), less than an orchestrator waits
# before it kills (Kubernetes: 30 s). uvicorn's default waits for ever: one stuck request held a shutdown.
GRACEFUL_SHUTDOWN_S = 20


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """Bind first so that a node can know its public URL (port 0 = a free port) before it starts."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and accepted
    # connections inherit it; without it every small response waits ~40 ms for delayed ACKs (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


_handed_out: set[int] = set()  # every port free_port gave in this process


def free_port(host: str = "127.0.0.1") -> int:
    """A port free now, closed again at once (use it soon), and never one this process was given before:
    the kernel may pick a port it just closed again, and a node given one port for both its `listen` and its
    `ocpp_listen` once answered its API calls from its OCPP gateway (both sockets listened)."""
    while True:
        with bind(host) as sock:
            port = int(sock.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port


class Server(uvicorn.Server):
    """uvicorn's server, which also closes the connections it accepted just as its shutdown began.

    uvicorn asks each connection it knows to close, then waits until none is left. asyncio registers an
    accepted connection a few loop turns after the accept, so one accepted just before the listening socket
    closed is registered after that round: nobody asks it to close, and the shutdown waits for its client to
    drop it (or its keep-alive to run out, 30 s; a test's node then stopped past its 15 s)."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        late = asyncio.create_task(self._close_late_connections())
        try:
            await super().shutdown(sockets)
        finally:
            late.cancel()

    async def _close_late_connections(self) -> None:
        asked: set[object] = set()
        while True:
            await asyncio.sleep(0.05)
            for connection in list(self.server_state.connections):
                if connection not in asked:  # uvicorn's own round asks once more: closing twice is a no-op
                    asked.add(connection)
                    connection.shutdown()


class RunningServer:
    def __init__(self, node: Node, server: Server, task: asyncio.Task[None]) -> None:
        self.node, self._server, self._task = node, server, task

    async def stop(self) -> None:
        self._server.should_exit = True
        # Shorter than GRACEFUL_SHUTDOWN_S: in tests and the demo, a request still running then is a bug.
        await asyncio.wait_for(self._task, timeout=15)


class OneLineLifespanFailure:
    """A start-up (or shutdown) that fails is logged by uvicorn with the message the app sends, which
    Starlette fills with the whole traceback: cut it to its last line, what went wrong (FERA_DEBUG=1 keeps
    it whole). uvicorn logs no traceback of its own once the app has said it failed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan" or os.environ.get("FERA_DEBUG"):
            await self.app(scope, receive, send)
            return

        async def one_line(message: Message) -> None:
            if message["type"] in ("lifespan.startup.failed", "lifespan.shutdown.failed"):
                lines = [line for line in str(message.get("message", "")).splitlines() if line.strip()]
                last = lines[-1].strip() if lines else "no reason given"
                message = {**message, "message": f"{last} (FERA_DEBUG=1 shows the traceback)"}
            await send(message)

        await self.app(scope, receive, one_line)


def server_config(node: Node, *, log_level: str | None, access_log: bool = True) -> uvicorn.Config:
    """How every FERA process serves a node's app. `log_level` None: the caller has configured logging
    (`fera serve`'s --log-level), uvicorn leaves it alone; else uvicorn's own configuration at that level."""
    return uvicorn.Config(
        OneLineLifespanFailure(node.app),
        log_level=log_level,
        log_config=LOGGING_CONFIG if log_level is not None else None,
        lifespan="on",
        access_log=access_log,
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


async def start_server(node: Node, sock: socket.socket, *, log_level: str = "warning") -> RunningServer:
    """Serve `node` on an already bound socket; returns once the app's lifespan has started."""
    server = Server(server_config(node, log_level=log_level, access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()  # re-raises why it could not start
            raise RuntimeError("server stopped during start-up")
        await asyncio.sleep(0.01)
    return RunningServer(node, server, task)
