"""How uvicorn serves a node: on uvloop with httptools; a start-up that fails says why in one line of its log,
without a traceback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import uvicorn
import uvloop
from starlette.applications import Starlette
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from fera.server import OneLineLifespanFailure, bind, server_config
from tests.nodes import NodeFactory, role


@asynccontextmanager
async def failing(_app: Starlette) -> AsyncIterator[None]:
    raise OSError(99, "Cannot assign requested address")
    yield  # pragma: no cover - never reached


async def test_a_failed_start_up_is_one_line(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FERA_DEBUG", raising=False)
    caplog.set_level(logging.INFO)
    # Servers started earlier in the session configured uvicorn's loggers not to propagate: listen directly.
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addHandler(caplog.handler)
    monkeypatch.setattr(uvicorn_log, "level", logging.INFO)
    monkeypatch.setattr(uvicorn_log, "propagate", False)  # each record once, however configured
    app = OneLineLifespanFailure(Starlette(lifespan=failing))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_config=None))
    sock = bind()
    try:
        with pytest.raises(SystemExit):  # uvicorn's way out of a failed start-up (`fera serve` words it)
            await server.serve(sockets=[sock])
    finally:
        sock.close()
        uvicorn_log.removeHandler(caplog.handler)

    assert not server.started
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        "OSError: [Errno 99] Cannot assign requested address (FERA_DEBUG=1 shows the traceback)",
        "Application startup failed. Exiting.",
    ]
    assert all(r.exc_info is None for r in caplog.records)


async def test_fera_serve_runs_uvloop_and_httptools(node_factory: NodeFactory) -> None:
    """What `fera serve` serves with (uvicorn's "auto" choices, from the uvicorn[standard] extras FERA
    depends on): less CPU per request than asyncio's loop and h11 (bench/README.md)."""
    cpo = await node_factory(role("CPO"), name="cpo")
    config = server_config(cpo.node, log_level=None)
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    loop_factory = config.get_loop_factory()
    assert loop_factory is not None
    loop = loop_factory()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
