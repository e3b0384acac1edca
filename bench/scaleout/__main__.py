"""`python -m bench.scaleout --postgres URL [--quick]`: a Markdown table, 1 against 2 API processes."""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AsyncExitStack

from bench._harness import Nodes, free_port, machine, progress
from bench.node._load import Measured, load, served
from bench.node._serve import serve_node
from bench.node._setup import LIST_PATH, VERSION_PATH, Prepared, prepare
from fera.config import NodeConfig

ROUNDS = 3


async def _spread(urls: list[str], headers: dict[str, str], workers: int, seconds: float) -> Measured:
    """`workers` split evenly over the processes, all at once; one rate over all of them."""
    share = max(1, workers // len(urls))
    parts = await asyncio.gather(*(load(url, headers, share, seconds, 0.5) for url in urls))
    total = Measured(elapsed=max(p.elapsed for p in parts))
    for part in parts:
        total.latencies.extend(part.latencies)
    return total


async def _served_by(
    prepared: Prepared, processes: int, workers: tuple[int, ...], seconds: float
) -> list[str]:
    config = NodeConfig.model_validate_json(prepared.config_json)
    ports = [free_port() for _ in range(processes)]
    rows = []
    async with AsyncExitStack() as stack:
        for port in ports:
            one = config.model_copy(update={"listen": f"127.0.0.1:{port}"}).model_dump_json()
            ready = f"http://127.0.0.1:{port}{VERSION_PATH}"
            await stack.enter_async_context(served(serve_node, (one, "api"), ready))
        for path in (VERSION_PATH, f"{LIST_PATH}?limit=50"):
            for count in workers:
                progress(f"{processes} API process(es), {count} workers on {path}")
                urls = [f"http://127.0.0.1:{port}{path}" for port in ports]
                measured = Measured()
                for _ in range(ROUNDS):
                    turn = await _spread(urls, prepared.headers, count, seconds / ROUNDS)
                    measured.elapsed += turn.elapsed
                    measured.latencies.extend(turn.latencies)
                rows.append(
                    f"| `{path}` | {processes} | {count} | {measured.rate:.0f} "
                    f"| {measured.ms(50):.2f} | {measured.ms(99):.2f} |"
                )
    return rows


async def run(postgres: str, workers: tuple[int, ...], seconds: float, locations: int) -> list[str]:
    nodes = Nodes(postgres)
    try:
        progress(f"set-up: a CPO with {locations} locations on PostgreSQL, an eMSP registered")
        prepared = await prepare(nodes, locations, 50)
        rows = [
            *await _served_by(prepared, 1, workers, seconds),
            *await _served_by(prepared, 2, workers, seconds),
        ]
    finally:
        await nodes.close()
    header = ["| GET | API processes | workers | req/s | p50 ms | p99 ms |", "|---|---:|---:|---:|---:|---:|"]
    return [f"{machine()}; {locations} locations; PostgreSQL", "", *header, *rows]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scaleout", description=__doc__)
    parser.add_argument("--postgres", required=True, help="postgresql+asyncpg://... (scripts/postgres start)")
    parser.add_argument("--quick", action="store_true", help="8 workers only, 3 s per case")
    parser.add_argument("--workers", default=None, help="comma-separated worker counts (8,32)")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per case")
    args = parser.parse_args()
    workers = tuple(int(w) for w in (args.workers or ("8" if args.quick else "8,32")).split(","))
    seconds = args.seconds or (3.0 if args.quick else 6.0)
    print("\n".join(asyncio.run(run(args.postgres, workers, seconds, 100 if args.quick else 200))))


if __name__ == "__main__":
    main()
