"""`python -m bench.node [--quick]`: a Markdown table, FERA against the bare app (progress on stderr).

Load comes from wrk (`apt-get install -y wrk`), not from Python, so the generator is not the bottleneck.
`--layout split` (PostgreSQL): the CPO as one API process (what wrk loads) and one worker process (its jobs).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

from bench._harness import Nodes, free_port, machine, progress
from bench.node._cases import catch_up, requests_for, sunk
from bench.node._load import cpu_s, cpu_tree_s, postmaster_pid, served
from bench.node._serve import serve_bare, serve_node, serve_worker
from bench.node._setup import PROFILE_PATH, VERSION_PATH, Prepared, prepare
from bench.node._wrk import WrkResult, require_wrk, run_wrk

ROUNDS = 3  # short turns per server, alternating, so both see the same background load


@dataclass(frozen=True)
class Options:
    locations: int
    sessions: int
    page: int
    connections: tuple[int, ...]
    seconds: float
    postgres: str | None
    only: str | None = None  # run only the cases whose label contains this
    profile: str | None = None  # cProfile stats of the node's process, written here when it stops
    layout: str = "one"  # "split": an API process and a worker process (PostgreSQL)
    worker_nice: int = 0  # split: the worker's niceness (a lower CPU priority than the API process's)
    stalls: str | None = None  # the node's (split: the API process's) loop lateness and GC pauses, as JSON
    changing: bool = False  # the PUTs' profile changes from one pass over the sessions to the next


@dataclass
class Pooled:
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    catch_up: float = 0.0  # seconds after the load until every accepted PUT's result reached the sink
    cpu: float = 0.0  # CPU seconds of the server's process over its turns (and FERA's catch-ups)
    worker_cpu: float = 0.0  # the same for FERA's worker process (layout split)
    catch_ups: list[float] = field(default_factory=list)  # each turn's catch-up
    # FERA's PUTs: CPU seconds of the others meanwhile (wrk; the sink in bare's process; this process,
    # which holds the eMSP node the pushes go to), so a table shows when they, not FERA, take the cores.
    others: dict[str, float] = field(default_factory=dict)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)

    def add(self, r: WrkResult) -> None:
        self.requests, self.seconds, self.errors = (
            self.requests + r.requests,
            self.seconds + r.seconds,
            self.errors + r.errors,
        )
        self.p50.append(r.p50_ms)
        self.p99.append(r.p99_ms)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def done_rate(self) -> float:
        """Requests whose whole job (station, result POST) was done, per second of load and catch-up."""
        return self.requests / (self.seconds + self.catch_up)

    @property
    def cpu_ms(self) -> float:
        """CPU per request (its job included): what the host's load does not change much."""
        return 1000 * self.cpu / self.requests if self.requests else 0.0

    @property
    def worker_cpu_ms(self) -> float:
        return 1000 * self.worker_cpu / self.requests if self.requests else 0.0

    def ms(self) -> str:
        """The median turn's p50 and the worst turn's p99."""
        return f"{sorted(self.p50)[len(self.p50) // 2]:.2f} | {max(self.p99):.2f}"


async def _measure(
    prepared: Prepared, bare_url: str, options: Options, pids: dict[str, int]
) -> list[tuple[str, int, dict[str, Pooled]]]:
    out = []
    for connections in options.connections:
        for label, request in requests_for(prepared, bare_url, options.page, options.changing).items():
            if options.only is not None and options.only not in label:
                continue
            progress(f"{label} at {connections} connections, FERA and bare in turns")
            pooled = {"FERA": Pooled(), "bare": Pooled()}
            for _ in range(ROUNDS):
                for server, url in (("FERA", prepared.base_url), ("bare", bare_url)):
                    before, cpu, others = await sunk(bare_url), cpu_s(pids[server]), _others(pids)
                    worker = _worker_cpu(pids)
                    result = await run_wrk(url, request, connections, options.seconds / ROUNDS)
                    pooled[server].add(result)
                    if server == "FERA" and request.method == "PUT":  # its jobs must not run in bare's turn
                        pooled[server].catch_ups.append(await catch_up(bare_url, before + result.requests))
                        pooled[server].catch_up += pooled[server].catch_ups[-1]
                        for name, used in _others(pids).items():
                            pooled[server].others[name] = pooled[server].others.get(name, 0.0) + (
                                used - others[name]
                            )
                    pooled[server].cpu += cpu_s(pids[server]) - cpu
                    if server == "FERA":
                        pooled[server].worker_cpu += _worker_cpu(pids) - worker
            out.append((label, connections, pooled))
    return out


def _others(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of wrk (this process's reaped children), of the bare app's process (it is the
    sink of FERA's results) and of this process (the eMSP node the CPO pushes to, the polling of the sink)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = {
        "wrk": children.ru_utime + children.ru_stime,
        "sink": cpu_s(pids["bare"]),
        "bench": time.process_time(),
    }
    if "postgres" in pids:  # the database server's share of FERA's PUTs (its processes on this host)
        used["postgres"] = cpu_tree_s(pids["postgres"])
    return used


def _worker_cpu(pids: dict[str, int]) -> float:
    return cpu_s(pids["worker"]) if "worker" in pids else 0.0


async def run(options: Options) -> list[str]:
    require_wrk()
    if options.layout == "split" and options.postgres is None:
        raise SystemExit(SPLIT_NEEDS_POSTGRES)
    nodes = Nodes(options.postgres)
    try:
        progress(f"set-up: a CPO with {options.locations} locations and {options.sessions} sessions, an eMSP")
        port = free_port()
        bare_url = f"http://127.0.0.1:{port}"
        prepared = await prepare(nodes, options.locations, options.page, options.sessions, bare_url)
        async with AsyncExitStack() as stack:  # left in reverse: the node stops before the sink it posts to
            progress(f"serving the CPO ({options.layout} layout) and the bare app in child processes")
            bare_args = (port, prepared.bodies, PROFILE_PATH)
            pids = {
                "bare": await stack.enter_async_context(
                    served(serve_bare, bare_args, bare_url + VERSION_PATH)
                )
            }
            pids |= await _serve_cpo(stack, prepared, options)
            if options.postgres is not None:
                pids["postgres"] = await postmaster_pid(options.postgres)
            results = await _measure(prepared, bare_url, options, pids)
    finally:
        await nodes.close()
    database = "PostgreSQL" if options.postgres else "SQLite"
    layout = "; the CPO as an API process and a worker process" if options.layout == "split" else ""
    layout += f" (the worker at niceness +{options.worker_nice})" if layout and options.worker_nice else ""
    sessions = len(prepared.session_ids)
    head = f"{machine()}; {database}{layout}; {options.locations} locations, {sessions} sessions"
    table = _split_table(results) if options.layout == "split" else _table(results)
    return [head, "", *table, *_others_table(results)]


SPLIT_NEEDS_POSTGRES = (
    "--layout split needs --postgres URL: a node's API and worker processes share their jobs through "
    "PostgreSQL (SQLite runs every part in one process)"
)


async def _serve_cpo(stack: AsyncExitStack, prepared: Prepared, options: Options) -> dict[str, int]:
    """The CPO's process(es): `all` parts in one, or (split) a worker, then the API process wrk loads."""
    ready, profile = prepared.base_url + VERSION_PATH, options.profile
    if options.layout != "split":
        return {
            "FERA": await stack.enter_async_context(
                served(serve_node, (prepared.config_json, "all", profile, options.stalls), ready)
            )
        }
    worker_profile = None if profile is None else profile + ".worker"
    worker = await stack.enter_async_context(
        served(serve_worker, (prepared.config_json, worker_profile, options.worker_nice), None)
    )
    api = await stack.enter_async_context(
        served(serve_node, (prepared.config_json, "api", profile, options.stalls), ready)
    )
    return {"FERA": api, "worker": worker}


def _table(results: list[tuple[str, int, dict[str, Pooled]]]) -> list[str]:
    lines = [
        "| request | conns | FERA req/s | p50 ms | p99 ms | errors | jobs done/s | CPU ms/req | bare req/s "
        "| p50 ms | p99 ms | CPU ms/req | FERA/bare |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, connections, pooled in results:
        f, b = pooled["FERA"], pooled["bare"]
        done = f"{f.done_rate:.0f}" if f.catch_up else "–"
        lines.append(
            f"| {label} | {connections} | {f.rate:.0f} | {f.ms()} | {f.errors} | {done} | {f.cpu_ms:.2f} "
            f"| {b.rate:.0f} | {b.ms()} | {b.cpu_ms:.2f} | {f.rate / b.rate:.2f} |"
        )
    return lines


def _split_table(results: list[tuple[str, int, dict[str, Pooled]]]) -> list[str]:
    """Accepted requests and jobs done differ here: the API process answers, the worker catches up."""
    lines = [
        "| request | conns | accepted req/s | p50 ms | p99 ms | errors | jobs done/s "
        "| catch-up s (worst turn) | API CPU ms/req | worker CPU ms/req "
        "| bare req/s | p50 ms | p99 ms | CPU ms/req | FERA/bare |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, connections, pooled in results:
        f, b = pooled["FERA"], pooled["bare"]
        done, late = (f"{f.done_rate:.0f}", f"{max(f.catch_ups):.1f}") if f.catch_ups else ("–", "–")
        lines.append(
            f"| {label} | {connections} | {f.rate:.0f} | {f.ms()} | {f.errors} | {done} | {late} "
            f"| {f.cpu_ms:.2f} | {f.worker_cpu_ms:.2f} | {b.rate:.0f} | {b.ms()} | {b.cpu_ms:.2f} "
            f"| {f.rate / b.rate:.2f} |"
        )
    return lines


def _others_table(results: list[tuple[str, int, dict[str, Pooled]]]) -> list[str]:
    rows = [(label, c, p["FERA"]) for label, c, p in results if p["FERA"].others]
    if not rows:
        return []
    lines = ["", "CPU ms per FERA PUT (its turns and catch-ups) of the processes around it:", ""]
    lines += [
        "| request | conns | FERA (split: API) | wrk | sink (bare's process) | bench (its eMSP node) "
        "| PostgreSQL server |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, connections, f in rows:
        ms = {name: f"{1000 * used / f.requests:.2f}" for name, used in f.others.items()}
        lines.append(
            f"| {label} | {connections} | {f.cpu_ms:.2f} | {ms['wrk']} | {ms['sink']} | {ms['bench']} "
            f"| {ms.get('postgres', '–')} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.node", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="16 connections only, 3 s per case")
    parser.add_argument("--connections", default=None, help="comma-separated wrk connection counts (16,64)")
    parser.add_argument("--locations", type=int, default=None, help="locations the CPO holds (200)")
    parser.add_argument("--sessions", type=int, default=200, help="ACTIVE sessions the PUTs cycle through")
    parser.add_argument("--page", type=int, default=50, help="`limit` of the list GET")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per case and server")
    parser.add_argument("--postgres", default=None, help="postgresql+asyncpg://... for the CPO's database")
    parser.add_argument("--only", default=None, help="only the cases whose label contains this (PUT)")
    parser.add_argument(
        "--changing",
        action="store_true",
        help="PUT profiles alternating 11 and 10 A per pass: every job pushes its session's profile",
    )
    parser.add_argument("--profile", default=None, help="write cProfile stats of the CPO's process here")
    parser.add_argument(
        "--layout",
        choices=("one", "split"),
        default="one",
        help="one: the CPO in one process (all parts); split (PostgreSQL): an API process and a worker "
        "process (its --profile stats go to FILE.worker)",
    )
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=0,
        help="split: run the worker process at this niceness (e.g. 10: the API process gets the cores first)",
    )
    parser.add_argument(
        "--stalls",
        default=None,
        help="write the CPO's (split: API process's) event-loop lateness and GC pauses here (JSON)",
    )
    args = parser.parse_args()
    seconds = args.seconds or (3.0 if args.quick else 9.0)
    connections = tuple(int(c) for c in (args.connections or ("16" if args.quick else "16,64")).split(","))
    locations = args.locations or (100 if args.quick else 200)
    options = Options(
        locations,
        args.sessions,
        args.page,
        connections,
        seconds,
        args.postgres,
        args.only,
        args.profile,
        args.layout,
        args.worker_nice,
        args.stalls,
        args.changing,
    )
    print("\n".join(asyncio.run(run(options))))


if __name__ == "__main__":
    main()
