"""How many simulated stations one OcppGateway holds with the p99 SetChargingProfile round trip under 1 s.

Run: .venv/bin/python -m bench.ocpp.stations [--rate R [--seconds S] [--count N]]

The gateway runs here with a CPO stand-in; the stations run in a child process (so their CPU isn't the
gateway's), 2 connectors each, half OCPP 1.6 and half 2.0.1, Basic auth, every connector charging and metering
every 60 simulated seconds at speed SPEED: the meter traffic is SPEED times a real fleet's. Per step, ROUNDS
rounds send a TxProfile to every transaction at once; the round trip is the StationLink call's duration.
The ramp stops at the first step whose p99 is 1 s or more, or when the time budget is spent.

`--rate R`: N stations (50) metering in real time, and one TxProfile every 1/R s to their transactions in
turn (open loop) for S seconds (20): p50, p99 and the CPU (user + system, from /proc) per call of the
gateway's process (this one, with a CPO stand-in) and of the stations' (each answers, then reports its new
rate, as in `bench.stations`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bench.node._load import cpu_s
from fera import eventloop
from fera.charging import ChargingProfileKind, ChargingProfilePurpose, OcppChargingProfile, SchedulePeriod
from fera.ocpp import OcppGateway, ProfileResult
from fera.ocpp.simulator import EvArrival, SimulationConfig, gateway_stations, run_simulation, station_specs

STEPS = (10, 50, 100, 200, 400, 800)
ROUNDS = 5
SPEED = 10.0
PASSWORD = "bench"
BUDGET_S = 100.0
START = datetime(2025, 6, 1, tzinfo=UTC)


def _prefix(n: int) -> str:
    return f"B{n}-"


class Fleet:
    """StationEvents of a CPO stand-in that only keeps the metering transactions."""

    def __init__(self) -> None:
        self.transactions: dict[str, tuple[str, int]] = {}  # id -> (station, evse)
        self.metering: set[str] = set()
        self._changed = asyncio.Event()

    async def station_connected(
        self, station_id: str, ocpp_version: str, vendor: str, model: str
    ) -> None: ...
    async def station_disconnected(self, station_id: str) -> None: ...
    async def connector_status(
        self, station_id: str, evse_id: int, connector_id: int, status: str
    ) -> None: ...
    async def evses_reported(self, station_id: str, evses: Sequence[tuple[int, int]]) -> None: ...

    async def authorize(self, station_id: str, id_token: str) -> bool:
        return True

    async def transaction_started(
        self, station_id: str, evse_id: int, connector_id: int, transaction_id: str, *_: object
    ) -> None:
        self.transactions[transaction_id] = (station_id, evse_id)

    async def meter_values(self, station_id: str, evse_id: int, transaction_id: str, *_: object) -> None:
        if transaction_id not in self.metering:  # an OCPP 1.6 station surely knows its transaction id now
            self.metering.add(transaction_id)
            self._changed.set()

    async def transaction_stopped(
        self, station_id: str, evse_id: int, transaction_id: str, *_: object
    ) -> None:
        self.transactions.pop(transaction_id, None)
        self.metering.discard(transaction_id)

    def running(self, prefix: str) -> list[tuple[str, str, int]]:
        return [
            (tx, s, e)
            for tx, (s, e) in self.transactions.items()
            if s.startswith(prefix) and tx in self.metering
        ]

    async def wait_running(self, prefix: str, count: int) -> None:
        while len(self.running(prefix)) < count:
            self._changed.clear()
            await self._changed.wait()


def _profile(watts: float) -> OcppChargingProfile:
    return OcppChargingProfile(
        1, 10, ChargingProfilePurpose.TX, ChargingProfileKind.RELATIVE, "W", (SchedulePeriod(0, watts),)
    )


async def _timed(gateway: OcppGateway, tx: str, station: str, evse: int, watts: float) -> tuple[float, bool]:
    began = time.perf_counter()
    result = await gateway.set_tx_profile(station, evse, tx, _profile(watts))
    return time.perf_counter() - began, result is ProfileResult.ACCEPTED


async def _step(gateway: OcppGateway, fleet: Fleet, url: str, n: int) -> tuple[list[float], int]:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.ocpp.stations", "--stations", url, str(n)
    )
    try:
        async with asyncio.timeout(60):
            await fleet.wait_running(_prefix(n), 2 * n)
        latencies, failed = [], 0
        for round_no in range(ROUNDS):
            calls = [_timed(gateway, *tx, 3000.0 + 100 * round_no) for tx in fleet.running(_prefix(n))]
            for latency, accepted in await asyncio.gather(*calls):
                latencies.append(latency)
                failed += not accepted
        return latencies, failed
    finally:
        child.terminate()
        await child.wait()


async def bench() -> None:
    fleet = Fleet()
    admitted: dict[str, str | None] = {}
    for n in STEPS:
        admitted |= gateway_stations(station_specs(n, password=PASSWORD, prefix=_prefix(n)))
    gateway = OcppGateway(fleet, admitted, call_timeout=5.0)
    url = f"ws://127.0.0.1:{await gateway.start()}/ocpp"
    print(f"{'stations':>8} {'calls':>6} {'p50 ms':>8} {'p99 ms':>8} {'failed':>6}")
    began = time.monotonic()
    try:
        for n in STEPS:
            latencies, failed = await _step(gateway, fleet, url, n)
            p50, p99 = statistics.median(latencies), statistics.quantiles(latencies, n=100)[98]
            print(f"{n:>8} {len(latencies):>6} {p50 * 1000:>8.1f} {p99 * 1000:>8.1f} {failed:>6}", flush=True)
            if p99 >= 1.0 or time.monotonic() - began > BUDGET_S:
                break
    finally:
        await gateway.stop()


async def sustained(n: int, rate: float, seconds: float) -> None:
    fleet = Fleet()
    gateway = OcppGateway(fleet, gateway_stations(station_specs(n, password=PASSWORD, prefix=_prefix(n))))
    url = f"ws://127.0.0.1:{await gateway.start()}/ocpp"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.ocpp.stations", "--stations", url, str(n), "1"
    )
    try:
        async with asyncio.timeout(120):
            await fleet.wait_running(_prefix(n), 2 * n)
        running, calls = fleet.running(_prefix(n)), list[asyncio.Task[tuple[float, bool]]]()
        used, began = (cpu_s(os.getpid()), cpu_s(child.pid)), time.perf_counter()
        while (i := len(calls)) < rate * seconds:
            await asyncio.sleep(max(0.0, began + i / rate - time.perf_counter()))
            watts = 3000.0 + 100 * (i % 10)  # a new limit each time: the station's rate changes
            calls.append(asyncio.create_task(_timed(gateway, *running[i % len(running)], watts)))
        results = await asyncio.gather(*calls)
        gateway_s, stations_s = cpu_s(os.getpid()) - used[0], cpu_s(child.pid) - used[1]
    finally:
        child.terminate()
        await child.wait()
        await gateway.stop()
    latencies = sorted(latency for latency, _ in results)
    p50, p99 = statistics.median(latencies), statistics.quantiles(latencies, n=100)[98]
    print("| stations | offered/s | calls | p50 ms | p99 ms | failed | CPU ms/call gateway | stations |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {n} | {rate:g} | {len(results)} | {p50 * 1000:.1f} | {p99 * 1000:.1f} "
          f"| {sum(not ok for _, ok in results)} | {gateway_s * 1000 / len(results):.2f} "
          f"| {stations_s * 1000 / len(results):.2f} |")  # fmt: skip


async def stations(url: str, n: int, speed: float = SPEED) -> None:
    """Child process: n stations, one long-staying EV per connector."""
    specs = station_specs(n, password=PASSWORD, prefix=_prefix(n))
    ev = EvArrival(START, START + timedelta(days=2), energy_kwh=500.0, max_kw=11.0)
    config = SimulationConfig(
        url, specs, (ev,) * (2 * n), START, speed=speed, meter_interval_s=60.0, timeout_s=30.0
    )
    await run_simulation(config)


def main() -> None:
    if sys.argv[1:2] == ["--stations"]:
        eventloop.run(stations(sys.argv[2], int(sys.argv[3]), *map(float, sys.argv[4:5])))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.ocpp.stations")
    parser.add_argument("--rate", type=float, default=None, help="TxProfiles offered per second (open loop)")
    parser.add_argument("--seconds", type=float, default=20.0, help="with --rate: seconds of load (20)")
    parser.add_argument("--count", type=int, default=50, help="with --rate: how many stations (50)")
    args = parser.parse_args()
    if args.rate is None:
        eventloop.run(bench())
    else:
        eventloop.run(sustained(args.count, args.rate, args.seconds))


if __name__ == "__main__":
    main()
