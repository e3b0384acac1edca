"""A Receiver's results (and pushes) to one Sender's server travel over a bounded number of lanes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from fera.ocpi.chargingprofiles.client import ChargingProfilesSenderClient
from fera.ocpi.chargingprofiles.models import ChargingProfileResult, ChargingProfileResultType
from fera.ocpi.peer import PeerClient, PeerTarget
from fera.server import bind

HOLD_S = 30.0  # generous: a loaded 2-core machine


class Sender:
    """A Sender's result endpoint that holds every request until `lanes` of them are in flight at once."""

    def __init__(self, lanes: int) -> None:
        self.lanes, self.in_flight, self.most = lanes, 0, 0
        self.received: list[str] = []
        self.full = asyncio.Event()
        self.app = FastAPI()
        self.app.post("/results/{n}")(self.result)

    async def result(self, n: str) -> JSONResponse:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        if self.in_flight >= self.lanes:
            self.full.set()
        try:
            await asyncio.wait_for(self.full.wait(), HOLD_S)
        finally:
            self.in_flight -= 1
        self.received.append(n)
        return JSONResponse({"status_code": 1000, "timestamp": "2030-01-01T00:00:00Z"})


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    sock = bind()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not task.done(), "the Sender's server did not start"
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


async def test_results_to_one_sender_use_at_most_its_lanes_and_all_arrive() -> None:
    sender = Sender(lanes=3)
    async with served(sender.app) as url, httpx.AsyncClient() as http:
        client = ChargingProfilesSenderClient(PeerClient(http), lanes=3)
        target = PeerTarget(name="sender", token="t")
        result = ChargingProfileResult(result=ChargingProfileResultType.ACCEPTED)
        await asyncio.gather(*(client.post_result(target, f"{url}/results/{n}", result) for n in range(12)))
    assert sender.most == 3  # the lanes were all used, and never more
    assert sorted(sender.received, key=int) == [str(n) for n in range(12)]  # each its own POST, once
    assert not client._lanes  # nothing kept for a Sender with nothing in flight
