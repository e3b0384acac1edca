"""CPU per outbound request through FERA's outbound client, by how many requests go at once.

Run: .venv/bin/python -m bench.outbound [--requests N] [--beyond 200,300,500,800]

A bare FastAPI endpoint on 127.0.0.1 in this process answers POSTs; FERA's transport (`outbound_transport`)
sends bursts of B requests at once (B = 1 ... 100), one burst after the other. Each burst size runs with
FERA's limits (`OUTBOUND_LIMITS`: at most `KEPT_IDLE` idle connections kept) and, as the baseline, with the
same limits but every connection kept idle (what FERA had: the pool keeps as many as a burst opened). The
figure is the CPU of this process (client and server, one thread) per request: httpcore's pool walks every
connection for each idle one on every request and every response closed, so what a burst leaves idle makes
every later request dearer.

A second table sends bursts larger than the pool's connections (`--beyond`): FERA's transport lets at most
that many requests into httpcore's pool and the others wait in front of it (`GatedTransport`); the baseline
is the same pool without the gate, where they wait in the pool's queue, which the pool walks for every
queued request on every request and every response closed. Each burst size runs once per setting on a new
client, no connection open yet (as after `keepalive_expiry` of quiet: while the pool opens connections
every request waits); figures: CPU per request, seconds for the burst, and requests that failed (FERA's
timeouts: 10 s for a connection from the pool, 5 s to connect). Tables go to stdout, progress to stderr.
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
from fera.node import OUTBOUND_LIMITS, OUTBOUND_TIMEOUT
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


def _ungated(limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """FERA's pool (the same backend and limits) with no gate in front of it: requests queue in the pool."""
    transport = httpx.AsyncHTTPTransport(limits=limits)
    transport._pool = outbound_transport(limits)._pool
    return transport


async def _beyond(url: str, transport: httpx.AsyncHTTPTransport, burst: int) -> str:
    """One burst of `burst` requests on a new client (no connection open yet, as after `keepalive_expiry`
    of quiet): CPU ms per request, seconds for the burst, requests failed."""
    limits = OUTBOUND_LIMITS
    async with httpx.AsyncClient(transport=transport, limits=limits, timeout=OUTBOUND_TIMEOUT) as client:
        began, wall = time.thread_time(), time.perf_counter()
        sent = (client.post(url, json={}) for _ in range(burst))
        answers = await asyncio.gather(*sent, return_exceptions=True)
        cpu, wall = time.thread_time() - began, time.perf_counter() - wall
    failed = sum(isinstance(answer, Exception) for answer in answers)
    return f"{cpu / burst * 1e3:.3f} | {wall:.2f} | {failed}"


async def run(requests: int, beyond: tuple[int, ...]) -> list[str]:
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
        lines += [
            "",
            f"| requests at once ({OUTBOUND_LIMITS.max_connections} connections) | FERA (gated) ms CPU/req "
            "| s | failed | httpx's pool queue ms CPU/req | s | failed |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for burst in beyond:
            progress(f"{burst} at once, gated and queued in the pool")
            gated = await _beyond(url, outbound_transport(OUTBOUND_LIMITS), burst)
            queued = await _beyond(url, _ungated(OUTBOUND_LIMITS), burst)
            lines.append(f"| {burst} | {gated} | {queued} |")
    finally:
        server.should_exit = True
        await task
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="requests per burst size and setting")
    parser.add_argument(
        "--beyond",
        type=_bursts,
        default=(200, 300, 500, 800),
        help="bursts above the pool's connections, comma-separated (default 200,300,500,800)",
    )
    args = parser.parse_args()
    print("\n".join(asyncio.run(run(args.requests, args.beyond))))


def _bursts(given: str) -> tuple[int, ...]:
    try:
        bursts = tuple(int(b) for b in given.split(",") if b.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{given!r} is not a comma-separated list of counts") from None
    if any(b < 1 for b in bursts):
        raise argparse.ArgumentTypeError(f"{given!r}: every burst is at least 1 request")
    return bursts


if __name__ == "__main__":
    main()
