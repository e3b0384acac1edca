"""Run a node's app with uvicorn, in-process; used by `fera serve`, the demo and the tests."""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from fera.node import Node

__all__ = ["KEEP_ALIVE_S", "RunningServer", "bind", "server_config", "start_server"]

# How long an idle inbound connection stays open: well beyond the outbound pool's expiry (fera.node), so a
# peer FERA never writes a request on a connection we are closing at that instant (a ReadError, and a lost
# result POST, on a loaded machine). uvicorn's default of 5 s equals httpx's default pool expiry.
KEEP_ALIVE_S = 30


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """Bind first so that a node can know its public URL (port 0 = a free port) before it starts."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and accepted
    # connections inherit it; without it every small response waits ~40 ms for delayed ACKs (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class RunningServer:
    def __init__(self, node: Node, server: uvicorn.Server, task: asyncio.Task[None]) -> None:
        self.node, self._server, self._task = node, server, task

    async def stop(self) -> None:
        self._server.should_exit = True
        await asyncio.wait_for(self._task, timeout=15)


def server_config(node: Node, *, log_level: str, access_log: bool = True) -> uvicorn.Config:
    """How every FERA process serves a node's app."""
    return uvicorn.Config(
        node.app, log_level=log_level, lifespan="on", access_log=access_log, timeout_keep_alive=KEEP_ALIVE_S
    )


async def start_server(node: Node, sock: socket.socket, *, log_level: str = "warning") -> RunningServer:
    """Serve `node` on an already bound socket; returns once the app's lifespan has started."""
    server = uvicorn.Server(server_config(node, log_level=log_level, access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()  # re-raises why it could not start
            raise RuntimeError("server stopped during start-up")
        await asyncio.sleep(0.01)
    return RunningServer(node, server, task)
