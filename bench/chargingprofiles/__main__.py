"""`python -m bench.chargingprofiles [--quick]`: prints a Markdown table (progress on stderr)."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass

from bench._harness import Nodes, machine, progress
from bench.chargingprofiles._measure import Outcome, baseline, profiles
from bench.chargingprofiles._topologies import TOPOLOGIES, build


@dataclass(frozen=True)
class Options:
    requests: int
    sessions: int  # in parallel, for the latency phase
    parallel: int  # in parallel, for the sustained phase
    budget_s: float  # per phase: no request starts after it (a third of it for the baseline)
    postgres: str | None


@dataclass
class Row:
    name: str
    latency: Outcome
    base: Outcome
    sustained: Outcome


async def _topology(name: str, options: Options) -> Row:
    nodes = Nodes(options.postgres)
    try:
        progress(f"{name}: setting up {TOPOLOGIES[name]}")
        topology = await build(name, nodes, max(options.sessions, options.parallel))
        progress(f"{name}: baseline GETs")
        base = await baseline(topology, options.sessions, options.requests, options.budget_s / 3)
        progress(f"{name}: latency, {options.sessions} sessions")
        latency = await profiles(topology, options.sessions, options.requests, options.budget_s)
        progress(f"{name}: sustained, {options.parallel} sessions")
        sustained = await profiles(topology, options.parallel, options.requests, options.budget_s)
        progress(f"{name}: done")
        return Row(name, latency, base, sustained)
    finally:
        await nodes.close()


def _table(rows: list[Row], options: Options) -> list[str]:
    lines = [
        f"| topology | requests | p50 ms | p99 ms | failed | GET p50 ms | GET p99 ms | p50 / GET p50 "
        f"| sustained req/s ({options.parallel} sessions) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lat, base, sus = r.latency, r.base, r.sustained
        lines.append(
            f"| {r.name}: {TOPOLOGIES[r.name]} | {len(lat.latencies)} | {lat.ms(50):.1f} | {lat.ms(99):.1f} "
            f"| {lat.failures + sus.failures} | {base.ms(50):.2f} | {base.ms(99):.2f} "
            f"| {lat.ms(50) / base.ms(50):.1f} | {sus.rate:.0f} |"
        )
    return lines


async def run(options: Options) -> list[str]:
    note = f"{machine()}; SQLite" if options.postgres is None else f"{machine()}; PostgreSQL"
    rows = [await _topology(name, options) for name in TOPOLOGIES]
    return [note, "", *_table(rows, options)]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chargingprofiles", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1.5 s per phase, 16 sessions (~20 s)")
    parser.add_argument("--requests", type=int, default=1000, help="requests per phase at most")
    parser.add_argument("--sessions", type=int, default=8, help="sessions in parallel, latency phase")
    parser.add_argument("--parallel", type=int, default=None, help="sessions, sustained phase (50)")
    parser.add_argument("--budget", type=float, default=None, help="seconds per phase at most (12)")
    parser.add_argument("--postgres", default=None, help="postgresql+asyncpg://... for the nodes' databases")
    args = parser.parse_args()
    parallel = args.parallel or (16 if args.quick else 50)
    budget = args.budget or (1.5 if args.quick else 12.0)
    options = Options(args.requests, args.sessions, parallel, budget, args.postgres)
    print("\n".join(asyncio.run(run(options))))


if __name__ == "__main__":
    main()
