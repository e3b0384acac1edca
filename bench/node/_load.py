"""The load generator: N workers on one httpx.AsyncClient, each sending the next GET as soon as one returns.

It runs in the benchmark's own process; the server under test runs in a child process (`served`), so on a
2-core machine each gets a core.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench._harness import percentile

__all__ = ["Measured", "cpu_s", "load", "served"]

READY_TIMEOUT_S = 30.0


@dataclass
class Measured:
    elapsed: float = 0.0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed

    def add(self, other: Measured) -> None:
        self.elapsed, self.errors = self.elapsed + other.elapsed, self.errors + other.errors
        self.latencies.extend(other.latencies)

    def ms(self, pct: int) -> float:
        return percentile(self.latencies, pct) * 1000


async def _worker(http: httpx.AsyncClient, url: str, until: float, out: Measured) -> None:
    while (start := time.perf_counter()) < until:
        response = await http.get(url)
        out.latencies.append(time.perf_counter() - start)
        if response.status_code != 200:
            out.errors += 1


async def _phase(http: httpx.AsyncClient, url: str, workers: int, seconds: float) -> Measured:
    out, begin = Measured(), time.perf_counter()
    await asyncio.gather(*(_worker(http, url, begin + seconds, out) for _ in range(workers)))
    out.elapsed = time.perf_counter() - begin
    return out


async def load(url: str, headers: dict[str, str], workers: int, seconds: float, warmup: float) -> Measured:
    """`warmup` seconds of load (discarded), then `seconds` measured; every request must answer 200."""
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=10.0) as http:
        await _phase(http, url, workers, warmup)
        measured = await _phase(http, url, workers, seconds)
    if measured.errors:
        raise RuntimeError(f"{measured.errors} requests to {url} did not answer 200")
    return measured


@asynccontextmanager
async def served(target: Callable[..., None], args: tuple[Any, ...], url: str | None) -> AsyncIterator[int]:
    """Run `target(*args)` (a uvicorn server) in a child process until the block ends; yields its pid.
    `url` None: a process without routes (a node's worker), which gets an Event after `args` and sets it
    once it has started."""
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    process = context.Process(target=target, args=args if url else (*args, started), daemon=True)
    process.start()
    try:
        await _until_ready(url, process) if url else await _until_started(started, process)
        assert process.pid is not None
        yield process.pid
    finally:
        process.terminate()  # SIGTERM: uvicorn shuts down cleanly
        process.join(15)
        if process.is_alive():
            process.kill()
            process.join()


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system, every thread) a process used so far: what a request costs, whatever else
    runs on the host (Linux: /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


async def _until_ready(url: str, process: Any) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    async with httpx.AsyncClient(timeout=1.0) as http:
        while time.monotonic() < deadline and process.is_alive():
            try:
                await http.get(url)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise RuntimeError(f"the server for {url} did not start")


async def _until_started(started: Any, process: Any) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline and process.is_alive() and not started.is_set():
        await asyncio.sleep(0.05)
    if not started.is_set():
        raise RuntimeError("the worker process did not start")
