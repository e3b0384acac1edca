"""`python -m bench.scaleout --postgres URL [--quick]`: a Markdown table, one node served by 1 and by 2 API
processes on one PostgreSQL, with one worker process running the ChargingProfiles jobs.

The load comes from wrk (as in `bench.node`): one wrk per API process, started together, the connections split
evenly over them (as a proxy would spread them). Requests and errors add up; the p50 and p99 shown are the
worst of the processes' (wrk's percentiles of two runs cannot be merged).
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

from bench._harness import Nodes, free_port, machine, progress
from bench.node._cases import catch_up, requests_for, sunk
from bench.node._load import cpu_s, served
from bench.node._serve import serve_bare, serve_node, serve_worker
from bench.node._setup import PROFILE_PATH, VERSION_PATH, Prepared, prepare
from bench.node._wrk import Request, WrkResult, require_wrk, run_wrk
from fera.config import NodeConfig

ROUNDS = 3  # turns per case; a PUT turn waits for its jobs to catch up before the next


@dataclass
class Case:
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    catch_up: float = 0.0
    api_cpu: float = 0.0  # CPU seconds of the API processes together
    worker_cpu: float = 0.0
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)

    def add(self, parts: list[WrkResult]) -> None:
        self.requests += sum(p.requests for p in parts)
        self.seconds += max(p.seconds for p in parts)
        self.errors += sum(p.errors for p in parts)
        self.p50.append(max(p.p50_ms for p in parts))
        self.p99.append(max(p.p99_ms for p in parts))

    def row(self, label: str, processes: int, connections: int) -> str:
        per = 1000 / self.requests if self.requests else 0.0
        done = f"{self.requests / (self.seconds + self.catch_up):.0f}" if self.catch_up else "–"
        p50 = sorted(self.p50)[len(self.p50) // 2]
        return (
            f"| {label} | {processes} | {connections} | {self.requests / self.seconds:.0f} | {p50:.2f} "
            f"| {max(self.p99):.2f} | {self.errors} | {done} | {self.api_cpu * per:.2f} "
            f"| {self.worker_cpu * per:.2f} |"
        )


async def _turn(ports: list[int], request: Request, connections: int, seconds: float) -> list[WrkResult]:
    share = max(1, connections // len(ports))
    return await asyncio.gather(
        *(run_wrk(f"http://127.0.0.1:{port}", request, share, seconds) for port in ports)
    )


@dataclass(frozen=True)
class Layout:
    ports: list[int]  # the API processes'
    pids: list[int]  # the API processes'
    worker: int  # the worker process's pid
    sink: str  # the bare app's URL: where the results go


async def _case(layout: Layout, request: Request, connections: int, seconds: float) -> Case:
    case, sink = Case(), layout.sink
    for _ in range(ROUNDS):
        before = await sunk(sink) if request.method == "PUT" else 0
        api, work = sum(cpu_s(p) for p in layout.pids), cpu_s(layout.worker)
        parts = await _turn(layout.ports, request, connections, seconds / ROUNDS)
        case.add(parts)
        if request.method == "PUT":  # the next turn starts with no job of this one left
            case.catch_up += await catch_up(sink, before + sum(p.requests for p in parts))
        case.api_cpu += sum(cpu_s(p) for p in layout.pids) - api
        case.worker_cpu += cpu_s(layout.worker) - work
    return case


async def _served_by(
    prepared: Prepared, processes: int, connections: tuple[int, ...], seconds: float, sink: str
) -> list[str]:
    config = NodeConfig.model_validate_json(prepared.config_json)
    ports = [free_port() for _ in range(processes)]
    rows = []
    async with AsyncExitStack() as stack:
        worker = await stack.enter_async_context(served(serve_worker, (prepared.config_json, None, 0), None))
        pids = []
        for port in ports:
            one = config.model_copy(update={"listen": f"127.0.0.1:{port}"}).model_dump_json()
            ready = f"http://127.0.0.1:{port}{VERSION_PATH}"
            pids.append(await stack.enter_async_context(served(serve_node, (one, "api"), ready)))
        for label, request in requests_for(prepared, sink, 50).items():
            for count in connections:
                progress(f"{processes} API process(es), {count} connections: {label}")
                case = await _case(Layout(ports, pids, worker, sink), request, count, seconds)
                rows.append(case.row(label, processes, count))
    return rows


async def run(postgres: str, connections: tuple[int, ...], seconds: float, locations: int) -> list[str]:
    require_wrk()
    nodes = Nodes(postgres)
    try:
        progress(f"set-up: a CPO with {locations} locations on PostgreSQL, an eMSP registered")
        port = free_port()
        sink = f"http://127.0.0.1:{port}"
        prepared = await prepare(nodes, locations, 50, 200, sink)
        async with served(serve_bare, (port, prepared.bodies, PROFILE_PATH), sink + VERSION_PATH):
            rows = [
                *await _served_by(prepared, 1, connections, seconds, sink),
                *await _served_by(prepared, 2, connections, seconds, sink),
            ]
    finally:
        await nodes.close()
    header = [
        "| request | API processes | conns | req/s | p50 ms | p99 ms | errors | jobs done/s "
        "| API CPU ms/req | worker CPU ms/req |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    head = f"{machine()}; {locations} locations, 200 sessions; PostgreSQL, one worker process"
    return [head, "", *header, *rows]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scaleout", description=__doc__)
    parser.add_argument("--postgres", required=True, help="postgresql+asyncpg://... (scripts/postgres start)")
    parser.add_argument("--quick", action="store_true", help="16 connections only, 3 s per case")
    parser.add_argument("--connections", default=None, help="comma-separated wrk connection counts (16,64)")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per case")
    args = parser.parse_args()
    connections = tuple(int(c) for c in (args.connections or ("16" if args.quick else "16,64")).split(","))
    seconds = args.seconds or (3.0 if args.quick else 6.0)
    print("\n".join(asyncio.run(run(args.postgres, connections, seconds, 100 if args.quick else 200))))


if __name__ == "__main__":
    main()
