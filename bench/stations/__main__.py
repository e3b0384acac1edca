"""How many simulated OCPP stations one CPO node holds with the p99 SetChargingProfile round trip under 1 s.

Run: .venv/bin/python -m bench.stations [--quick]

A CPO node (gateway on loopback) and an eMSP node, registered by the real handshake; the stations run in a
child process (2 connectors each, OCPP 1.6 and 2.0.1 in turn, Basic auth, a car on every connector, metering
once a minute). Per step, ROUNDS rounds send a ChargingProfile over OCPI from the eMSP to every session at
once; the round trip is from the eMSP creating the request (before its PUT) to the result arriving on its
`response_url`: CPO Receiver, job, gateway, station, result POST. The ramp stops at the first step whose p99
is 1 s or more, or when the time budget is spent. Then the composite-schedule table of
`bench.charging.composite` (per-session computation time for profiles of 1-96 periods).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

from bench._harness import Nodes, RunningNode, connect, free_port, machine, percentile, progress, role
from bench.charging import composite
from bench.node._load import cpu_s, served
from bench.node._serve import serve_node
from bench.stations._fleet import child, location_id, populate, prefix, spawn, stations
from fera import eventloop
from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.ocpi.chargingprofiles.models import ChargingProfile
from fera.ocpi.sessions.models import Session
from fera.sessions_events import SessionChanged
from fera.smartcharging.sender import ProfileSender

STEPS, QUICK_STEPS = (1, 5, 10, 25, 50, 100, 200, 400), (1, 5, 10)
ROUNDS = 3
BUDGET_S = 100.0


@dataclass(frozen=True)
class Load:
    rate: float  # round trips offered per second
    seconds: float
    postgres: str | None
    processes: int = 2  # 2: the CPO (API, jobs, gateway) in a child process, as another party's server
    profile: str | None = None  # with 2 processes: cProfile stats of the CPO's event-loop thread (CPU time)


class Running:
    """The eMSP's view of the CPO's sessions that have reported power (a car is drawing)."""

    def __init__(self, emsp: RunningNode) -> None:
        self.sessions: dict[str, Session] = {}
        self._changed = asyncio.Event()
        emsp.node.events.subscribe(SessionChanged, self._seen)

    async def _seen(self, event: SessionChanged) -> None:
        if event.patch is not None and event.patch.charging_periods and event.session.id not in self.sessions:
            self.sessions[event.session.id] = event.session
            self._changed.set()

    def of(self, step: int) -> list[str]:
        return [
            sid for sid, s in self.sessions.items() if s.location_id.startswith(location_id(prefix(step)))
        ]

    async def wait(self, step: int) -> None:
        while len(self.of(step)) < 2 * step:
            self._changed.clear()
            await self._changed.wait()


def _profile(amps: float) -> ChargingProfile:
    return ChargingProfile.model_validate(
        {"charging_rate_unit": "A", "charging_profile_period": [{"start_period": 0, "limit": amps}]}
    )


async def _round_trip(sender: ProfileSender, cpo_id: str, session_id: str, amps: float) -> float | None:
    began = time.perf_counter()
    request = await sender.set_profile(cpo_id, session_id, _profile(amps))
    try:
        done = await sender.wait(request.id, timeout=30)
    except TimeoutError:  # no result within 30 s: failed (the sender has given up on it too)
        return None
    accepted = done.result == {"result": "ACCEPTED"}
    return time.perf_counter() - began if accepted else None


async def _bursts(sender: ProfileSender, cpo_id: str, session_ids: list[str]) -> list[float | None]:
    results: list[float | None] = []
    for n in range(ROUNDS):
        results += await asyncio.gather(*(_round_trip(sender, cpo_id, sid, 16.0 - n) for sid in session_ids))
    return results


def sustained_limit(n: int, sessions: int) -> float:
    """The limit (A) of the n-th round trip, the sessions taken in turn: each pass over them moves every
    session's limit, so every round trip changes its ActiveChargingProfile and the CPO pushes it (with the
    limit 16 - n % 10 before, a multiple of 10 sessions kept each one's limit from its first pass on)."""
    return 16.0 - (n // sessions) % 10


async def _sustained(
    sender: ProfileSender, cpo_id: str, session_ids: list[str], rate: float, seconds: float
) -> tuple[list[float | None], float]:
    """Open loop: a round trip starts every 1/rate s, to the sessions in turn (a new limit each time, so
    every one changes the active profile). Returns the results and the seconds until the last one ended."""
    began, calls = time.perf_counter(), list[asyncio.Task[float | None]]()
    while (n := len(calls)) < rate * seconds:
        delay = began + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        session_id, amps = session_ids[n % len(session_ids)], sustained_limit(n, len(session_ids))
        calls.append(asyncio.create_task(_round_trip(sender, cpo_id, session_id, amps)))
    results = await asyncio.gather(*calls)
    return list(results), time.perf_counter() - began


@dataclass
class Cpu:
    """CPU seconds (user + system, all threads) each process used while the load ran."""

    pids: dict[str, int]  # process name -> pid (os.getpid() for the bench's own)
    used: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        self.used = {name: -cpu_s(pid) for name, pid in self.pids.items()}

    def stop(self) -> None:
        self.used = {name: used + cpu_s(self.pids[name]) for name, used in self.used.items()}


async def _step(
    emsp: RunningNode,
    cpo_id: str,
    url: str,
    running: Running,
    step: int,
    load: Load | None = None,
    cpu: Cpu | None = None,
) -> tuple[list[float | None], float]:
    process = await spawn(url, step)
    try:
        async with asyncio.timeout(120):
            await running.wait(step)
        sender = emsp.node.profile_sender
        assert sender is not None
        if load is None:
            return await _bursts(sender, cpo_id, running.of(step)), 0.0
        cpu = cpu or Cpu({})
        cpu.pids["stations"] = process.pid
        cpu.start()
        progress(f"load on: pids {cpu.pids}")
        done = await _sustained(sender, cpo_id, running.of(step), load.rate, load.seconds)
        cpu.stop()
        return done
    finally:
        process.terminate()
        await process.wait()


async def bench(steps: tuple[int, ...]) -> None:
    nodes, configs = Nodes(), stations(steps)
    try:
        cpo = await nodes.start("cpo", role("CPO", "CPO"), ocpp_listen="127.0.0.1:0", stations=configs)
        emsp = await nodes.start("emsp", role("EMSP", "MSP"))
        partner, _ = await connect(emsp, cpo)
        progress(f"populating {len(configs)} locations and {2 * steps[-1]} tokens")
        await populate(cpo, emsp, configs, 2 * steps[-1])
        gateway = cpo_of(cpo.node).stations
        assert gateway is not None
        running = Running(emsp)
        print(f"## stations ({machine()})\n")
        print("| stations | sessions | round trips | p50 ms | p99 ms | failed |")
        print("|---:|---:|---:|---:|---:|---:|")
        held = 0
        began = time.monotonic()
        for step in steps:
            progress(f"{step} stations")
            results, _ = await _step(emsp, partner.id, gateway.url, running, step)
            ok = [r for r in results if r is not None]
            p50, p99 = percentile(ok, 50), percentile(ok, 99)
            print(f"| {step} | {2 * step} | {len(results)} | {p50 * 1000:.1f} | {p99 * 1000:.1f} "
                  f"| {len(results) - len(ok)} |", flush=True)  # fmt: skip
            if p99 >= 1.0:
                break
            held = step
            if time.monotonic() - began > BUDGET_S:
                break
        print(f"\nheld with p99 < 1 s: {held} stations ({2 * held} charging sessions)")
    finally:
        await nodes.close()


async def _own_process(
    nodes: Nodes, cpo: RunningNode, emsp: RunningNode, exit: AsyncExitStack, profile: str | None
) -> int:
    """Serve the CPO (same config and database, same ports) from a child process from now on."""
    for running in (emsp, cpo):  # tokens and locations pushed before the CPO moves
        await exchange_of(running.node).sync.drain()
        await exchange_of(running.node).pusher.drain()
    await nodes.stop(cpo)
    config = cpo.node.config.model_dump_json()
    args = (config, "all", profile)
    pid: int = await exit.enter_async_context(served(serve_node, args, cpo.url + "/ocpi/versions"))
    return pid


async def sustained(count: int, load: Load) -> None:
    nodes, configs = Nodes(load.postgres), stations((count,))
    ocpp = f"127.0.0.1:{free_port()}"  # fixed: the stations reach the gateway in the CPO's child process
    try:
        async with AsyncExitStack() as exit:
            cpo = await nodes.start("cpo", role("CPO", "CPO"), ocpp_listen=ocpp, stations=configs)
            emsp = await nodes.start("emsp", role("EMSP", "MSP"))
            partner, _ = await connect(emsp, cpo)
            await populate(cpo, emsp, configs, 2 * count)
            cpu = Cpu({"eMSP + load": os.getpid()})
            if load.processes == 2:
                cpu.pids["CPO"] = await _own_process(nodes, cpo, emsp, exit, load.profile)
            database = "PostgreSQL" if load.postgres else "SQLite"
            print(f"## sustained full path ({machine()}; {database}; {load.processes} process(es))\n")
            progress(f"{count} stations, {load.rate:g} round trips/s for {load.seconds:g} s")
            url = f"ws://{ocpp}/ocpp"
            results, elapsed = await _step(emsp, partner.id, url, Running(emsp), count, load, cpu)
        _table(count, load, results, elapsed, cpu)
    finally:
        await nodes.close()


def _table(count: int, load: Load, results: list[float | None], elapsed: float, cpu: Cpu) -> None:
    """The run's figures, and the CPU ms per round trip done of each process (eMSP + load: the bench's own
    process, both nodes with `--processes 1`)."""
    ok = [r for r in results if r is not None]
    names = list(cpu.used)
    print("| stations | sessions | offered rt/s | done rt/s | p50 ms | p99 ms | failed | "
          + " | ".join(f"CPU ms/rt {n}" for n in names) + " |")  # fmt: skip
    print("|---:" * (7 + len(names)) + "|")
    per_rt = [f"{cpu.used[n] * 1000 / max(len(ok), 1):.1f}" for n in names]
    print(f"| {count} | {2 * count} | {load.rate:g} | {len(ok) / elapsed:.0f} "
          f"| {percentile(ok, 50) * 1000:.1f} | {percentile(ok, 99) * 1000:.1f} "
          f"| {len(results) - len(ok)} | " + " | ".join(per_rt) + " |")  # fmt: skip


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        eventloop.run(child(sys.argv[2], int(sys.argv[3])))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.stations")
    parser.add_argument("--quick", action="store_true", help="steps of 1, 5, 10 stations")
    parser.add_argument("--rate", type=float, default=None, help="sustained: round trips per second offered")
    parser.add_argument("--stations", type=int, default=50, help="sustained: how many stations (50)")
    parser.add_argument("--seconds", type=float, default=20.0, help="sustained: seconds of load (20)")
    parser.add_argument("--postgres", default=None, help="sustained: postgresql+asyncpg://... for the nodes")
    parser.add_argument(
        "--processes", type=int, choices=(1, 2), default=2, help="sustained: 2 = the CPO in its own process"
    )
    parser.add_argument("--profile", default=None, help="sustained, 2 processes: cProfile stats of the CPO")
    args = parser.parse_args()
    if args.rate is not None:
        load = Load(args.rate, args.seconds, args.postgres, args.processes, args.profile)
        eventloop.run(sustained(args.stations, load))
        return
    eventloop.run(bench(QUICK_STEPS if args.quick else STEPS))
    print("\n## composite schedule per session (bench.charging.composite)\n")
    composite.main()


if __name__ == "__main__":
    main()
