"""The servers under load, each in a child process (`served`), and the CPU each one used (`cpu_s`).

The load itself comes from wrk (`_wrk.py`): the Python generator that was here saturated before the servers.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

__all__ = ["cpu_s", "cpu_tree_s", "postmaster_pid", "served"]

READY_TIMEOUT_S = 30.0


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


def cpu_tree_s(root: int) -> float:
    """CPU seconds of a process and its children now alive (a PostgreSQL server: the postmaster, its
    backends, its writers; a backend that has ended no longer counts)."""
    total = cpu_s(root)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == root:  # ppid
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError):  # ended meanwhile
            continue
    return total


async def postmaster_pid(url: str) -> int:
    """The PostgreSQL server behind `url` (postgresql+asyncpg://...), when it runs on this host: the parent
    of the backend serving a connection."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:  # read while the backend lives: it ends with the connection
        backend = int(await conn.fetchval("SELECT pg_backend_pid()"))
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    finally:
        await conn.close()


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
