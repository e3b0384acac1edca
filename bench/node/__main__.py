"""`python -m bench.node [--quick]`: a Markdown table, FERA against the bare app (progress on stderr)."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass

from bench._harness import Nodes, free_port, machine, progress
from bench.node._load import Measured, load, served
from bench.node._serve import serve_bare, serve_node
from bench.node._setup import LIST_PATH, VERSION_PATH, Prepared, prepare

Case = tuple[str, int]  # (path with query, workers)
Results = dict[str, Measured]  # server -> pooled turns
ROUNDS = 3
TURN_WARMUP_S = 0.2


@dataclass(frozen=True)
class Options:
    locations: int
    page: int
    workers: tuple[int, ...]
    seconds: float
    warmup: float
    postgres: str | None


def _cases(options: Options) -> list[Case]:
    paths = (VERSION_PATH, f"{LIST_PATH}?limit={options.page}")
    return [(path, workers) for workers in options.workers for path in paths]


async def _case(urls: dict[str, str], headers: dict[str, str], workers: int, options: Options) -> Results:
    """ROUNDS short turns per server, alternating, so both see the same background load."""
    out = {server: Measured() for server in urls}
    for turn in range(ROUNDS):
        for server, url in urls.items():
            warmup = options.warmup if turn == 0 else TURN_WARMUP_S
            out[server].add(await load(url, headers, workers, options.seconds / ROUNDS, warmup))
    return out


async def _measure(prepared: Prepared, bare_url: str, options: Options) -> dict[Case, Results]:
    results: dict[Case, Results] = {}
    for path, workers in _cases(options):
        progress(f"{workers} workers on {path}, FERA and bare in turns")
        urls = {"FERA": prepared.base_url + path, "bare": bare_url + path}
        results[(path, workers)] = await _case(urls, prepared.headers, workers, options)
    return results


async def run(options: Options) -> list[str]:
    nodes = Nodes(options.postgres)
    try:
        progress(f"set-up: a CPO with {options.locations} locations, an eMSP registered")
        prepared = await prepare(nodes, options.locations, options.page)
        progress("serving the CPO node and the bare app, each in a child process")
        port = free_port()
        bare_url = f"http://127.0.0.1:{port}"
        async with (
            served(serve_node, (prepared.config_json,), prepared.base_url + VERSION_PATH),
            served(serve_bare, (port, prepared.bodies), bare_url + VERSION_PATH),
        ):
            results = await _measure(prepared, bare_url, options)
    finally:
        await nodes.close()
    return [f"{machine()}; {options.locations} locations", "", *_table(options, results)]


def _table(options: Options, results: dict[Case, Results]) -> list[str]:
    lines = [
        "| GET | workers | FERA req/s | p50 ms | p99 ms | bare req/s | p50 ms | p99 ms | FERA/bare req/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in _cases(options):
        f, b = results[case]["FERA"], results[case]["bare"]
        lines.append(
            f"| `{case[0]}` | {case[1]} | {f.rate:.0f} | {f.ms(50):.2f} | {f.ms(99):.2f} "
            f"| {b.rate:.0f} | {b.ms(50):.2f} | {b.ms(99):.2f} | {f.rate / b.rate:.2f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.node", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="4 workers only, 2 s per case (~20 s)")
    parser.add_argument("--workers", default=None, help="comma-separated worker counts (1,4,16)")
    parser.add_argument("--locations", type=int, default=None, help="locations the CPO holds (200)")
    parser.add_argument("--page", type=int, default=50, help="`limit` of the list GET")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per case")
    parser.add_argument("--postgres", default=None, help="postgresql+asyncpg://... for the CPO's database")
    args = parser.parse_args()
    seconds = args.seconds or (2.0 if args.quick else 4.5)
    workers = tuple(int(w) for w in (args.workers or ("4" if args.quick else "1,4,16")).split(","))
    locations = args.locations or (100 if args.quick else 200)
    options = Options(locations, args.page, workers, seconds, 0.5 if args.quick else 1.0, args.postgres)
    print("\n".join(asyncio.run(run(options))))


if __name__ == "__main__":
    main()
