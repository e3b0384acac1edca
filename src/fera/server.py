"""Run a node's app with uvicorn, in-process; used by `fera serve`, the demo and the tests."""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from fera.node import Node

__all__ = ["RunningServer", "bind", "start_server"]


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


async def start_server(node: Node, sock: socket.socket, *, log_level: str = "warning") -> RunningServer:
    """Serve `node` on an already bound socket; returns once the app's lifespan has started."""
    config = uvicorn.Config(node.app, log_level=log_level, lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()  # re-raises why it could not start
            raise RuntimeError("server stopped during start-up")
        await asyncio.sleep(0.01)
    return RunningServer(node, server, task)
