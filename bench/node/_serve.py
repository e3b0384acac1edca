"""Child-process side: serve a FERA node, or a bare FastAPI app with fixed bodies, with uvicorn until SIGTERM;
or run a node's worker process (no routes), as `fera serve --parts worker` does.

Both servers run the same way (one uvicorn worker, no access log), so the ratio shows what FERA adds per
request.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import uvicorn
from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse

from bench.node._setup import PUSH_SINK
from bench.node._stalls import serve_watched
from fera import eventloop
from fera.config import NodeConfig
from fera.node import create_node
from fera.parts import Process, processes_named
from fera.server import Server

__all__ = ["SINK_COUNT", "bare_app", "serve_bare", "serve_node", "serve_worker"]


def _server(app: Any, port: int) -> Server:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    return Server(config)  # uvicorn's, closing connections accepted as it stops (as `fera serve` does)


def _run(app: Any, port: int) -> None:
    _server(app, port).run()


def serve_node(
    config_json: str, parts: str = "all", profile: str | None = None, stalls: str | None = None
) -> None:
    """`parts` as `fera serve --parts` takes them (`api`: one API process of a node on PostgreSQL);
    `profile`: a file for cProfile's stats of the whole serving (CPU time of the event loop's thread);
    `stalls`: a file for the event loop's lateness and the collector's pauses (`_stalls.py`)."""
    config = NodeConfig.model_validate_json(config_json)
    app = create_node(config, processes=processes_named(parts)).app
    if stalls is not None:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # as below: the summary gets written
        eventloop.run(serve_watched(_server(app, config.port), stalls))
        return
    if profile is None:
        _run(app, config.port)
        return
    # uvicorn raises SIGTERM again once it has shut down: exit through Python so the stats get written.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    profiler = cProfile.Profile(time.thread_time)  # CPU of the event loop's thread, not waiting
    try:
        profiler.runcall(_run, app, config.port)
    finally:
        profiler.dump_stats(profile)


def serve_worker(config_json: str, profile: str | None, nice: int, ready: Any) -> None:
    """A node's worker process (it claims and runs the ChargingProfiles jobs API processes queued) until
    SIGTERM; `ready` (a multiprocessing Event) is set once it has started; `profile` as for `serve_node`;
    `nice`: added to its niceness (a lower CPU priority than the API process's, as `nice -n` would)."""
    os.nice(nice)
    node = create_node(NodeConfig.model_validate_json(config_json), processes=frozenset({Process.WORKER}))
    if profile is None:
        eventloop.run(_work(node.start, node.stop, ready.set))
        return
    profiler = cProfile.Profile(time.thread_time)
    try:
        profiler.runcall(eventloop.run, _work(node.start, node.stop, ready.set))
    finally:
        profiler.dump_stats(profile)


async def _work(
    start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]], ready: Any
) -> None:
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await start()
    ready()
    try:
        await stopping.wait()
    finally:
        await stop()


SINK_COUNT = "/sink/count"
ACCEPTED = {
    "data": {"result": "ACCEPTED", "timeout": 30},
    "status_code": 1000,
    "timestamp": "2030-01-01T00:00:00Z",
}


def bare_app(bodies: dict[str, dict[str, Any]], put_path: str) -> FastAPI:
    """GET on each path answers its body (a dict, serialised per request as FERA's are); a PUT on
    `put_path{id}` reads its JSON body and answers ACCEPTED; POSTs anywhere are a sink for FERA's results,
    counted (`GET /sink/count`), so the bench sees when FERA's jobs have caught up; PUTs on
    `PUSH_SINK{id}` are the sink of FERA's ActiveChargingProfile pushes (answered, not read)."""
    app = FastAPI()
    received = [0]

    @app.get(SINK_COUNT)
    async def count() -> JSONResponse:
        return JSONResponse({"count": received[0]})

    for path, body in bodies.items():
        app.add_api_route(path, _answer(body), methods=["GET"])

    @app.put(put_path + "{session_id}")
    async def put(session_id: str, body: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        return JSONResponse(ACCEPTED)

    @app.put(PUSH_SINK + "{session_id}")
    async def pushed(session_id: str) -> JSONResponse:
        return JSONResponse({"status_code": 1000, "timestamp": "2030-01-01T00:00:00Z"})

    @app.post("/{path:path}")
    async def sink(path: str) -> JSONResponse:
        received[0] += 1
        return JSONResponse({"status_code": 1000, "timestamp": "2030-01-01T00:00:00Z"})

    return app


def _answer(body: dict[str, Any]) -> Callable[[], Awaitable[JSONResponse]]:
    async def answer() -> JSONResponse:
        return JSONResponse(body)

    return answer


def serve_bare(port: int, bodies: dict[str, dict[str, Any]], put_path: str) -> None:
    _run(bare_app(bodies, put_path), port)
