"""The `harness` fixture: a real OcppGateway on 127.0.0.1 that admits the test stations; `no_traceback`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from fera.ocpp import OcppGateway
from tests.integration.ocpp.harness import CALL_TIMEOUT_S, Harness, RecordingEvents

PASSWORD = "s3cret"
VERSIONS = ("1.6", "2.0.1")


def _admitted() -> dict[str, str | None]:
    """PW-* need PASSWORD; the others are admitted by id (allow-list)."""
    stations: dict[str, str | None] = {f"PW-{v}": PASSWORD for v in VERSIONS}
    stations |= {f"{kind}-{v}": None for kind in ("OPEN", "REJECT", "SILENT") for v in VERSIONS}
    return stations


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    events = RecordingEvents()
    gateway = OcppGateway(events, _admitted(), call_timeout=CALL_TIMEOUT_S)
    h = Harness(events, gateway, await gateway.start("127.0.0.1", 0))
    try:
        yield h
    finally:
        await h.stop()


@pytest.fixture
def no_traceback(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails the test if anything logged a traceback or an error (modules opt in with `usefixtures`)."""
    caplog.set_level(logging.DEBUG)
    yield
    traced = [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert traced == []
