"""The event loop of the processes uvicorn does not start (`fera serve --parts worker|gateway`, the
benchmarks' own): uvloop's where it is installed, as uvicorn's "auto" choice serves a process with routes
(tests/unit/test_server_startup.py); asyncio's own where it is not (Windows)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest
import uvloop

from fera import eventloop
from fera.cli.serve import serve_without_routes


async def running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def test_a_worker_or_gateway_process_runs_on_uvloop_until_sigterm() -> None:
    loops: list[asyncio.AbstractEventLoop] = []
    stopped: list[bool] = []

    async def start() -> None:
        loops.append(asyncio.get_running_loop())
        os.kill(os.getpid(), signal.SIGTERM)  # as a process manager stops it: the process stops its node

    async def stop() -> None:
        stopped.append(True)

    serve_without_routes(start, stop)
    assert len(loops) == 1
    assert isinstance(loops[0], uvloop.Loop)
    assert stopped == [True]


def test_a_coroutine_runs_on_uvloop_and_returns_its_value() -> None:
    loop = eventloop.run(running_loop())
    assert isinstance(loop, uvloop.Loop)
    assert loop.is_closed()  # the runner closed it, as asyncio.run does


def test_without_uvloop_asyncio_s_own_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # its import fails, as where it is not installed
    assert eventloop.loop_factory() is None
    loop = eventloop.run(running_loop())
    assert isinstance(loop, asyncio.BaseEventLoop)
    assert not isinstance(loop, uvloop.Loop)
