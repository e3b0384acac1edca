"""CPU per outbound request through FERA's outbound client, by how many requests go at once.

Run: .venv/bin/python -m bench.outbound [--requests N]

A bare FastAPI endpoint on 127.0.0.1 in this process answers POSTs; FERA's transport (`outbound_transport`)
sends bursts of B requests at once (B = 1 ... 100), one burst after the other. Each burst size runs with
FERA's limits (`OUTBOUND_LIMITS`: at most `KEPT_IDLE` idle connections kept) and, as the baseline, with the
same limits but every connection kept idle (what FERA had: the pool keeps as many as a burst opened). The
figure is the CPU of this process (client and server, one thread) per request: httpcore's pool walks every
connection for each idle one on every request and every response closed, so what a burst leaves idle makes
every later request dearer. Tables go to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from bench._harness import machine, progress
from fera.node import OUTBOUND_LIMITS
from fera.ocpi.transport import outbound_transport
from fera.server import Server, bind

BURSTS = (1, 8, 16, 32, 64, 100)


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/result")
    async def result() -> JSONResponse:
        return JSONResponse({"status_code": 1000, "timestamp": "2030-01-01T00:00:00Z"})

    return app


async def _cpu_per_request(url: str, limits: httpx.Limits, burst: int, requests: int) -> float:
    async with httpx.AsyncClient(transport=outbound_transport(limits), limits=limits) as client:
        # the pool as a burst left it
        await asyncio.gather(*(client.post(url, json={}) for _ in range(burst)))
        rounds = max(3, requests // burst)
        began = time.thread_time()
        for _ in range(rounds):
            await asyncio.gather(*(client.post(url, json={}) for _ in range(burst)))
        return (time.thread_time() - began) / (rounds * burst) * 1e3


async def run(requests: int) -> list[str]:
    sock = bind()
    server = Server(uvicorn.Config(_app(), log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/result"
    every = httpx.Limits(
        max_connections=OUTBOUND_LIMITS.max_connections,
        max_keepalive_connections=OUTBOUND_LIMITS.max_connections,
        keepalive_expiry=OUTBOUND_LIMITS.keepalive_expiry,
    )
    lines = [
        machine(),
        "",
        f"| requests at once | FERA (≤ {OUTBOUND_LIMITS.max_keepalive_connections} idle kept) ms CPU/req "
        "| every connection kept ms CPU/req | kept/FERA |",
        "|---:|---:|---:|---:|",
    ]
    try:
        for burst in BURSTS:
            progress(f"bursts of {burst}")
            ours = await _cpu_per_request(url, OUTBOUND_LIMITS, burst, requests)
            kept = await _cpu_per_request(url, every, burst, requests)
            lines.append(f"| {burst} | {ours:.3f} | {kept:.3f} | {kept / ours:.2f}x |")
    finally:
        server.should_exit = True
        await task
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="requests per burst size and setting")
    args = parser.parse_args()
    print("\n".join(asyncio.run(run(args.requests))))


if __name__ == "__main__":
    main()
