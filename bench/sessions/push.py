"""Push N session updates from a CPO node to an eMSP node on loopback; throughput and p99 per update.

    .venv/bin/python -m bench.sessions.push [--count N] [--sessions S] [--postgres URL]

Latency of one update: from the CPO domain call (`meter_values`) to the eMSP having stored it (its
`SessionChanged`). Baseline: a bare FastAPI endpoint in the same process receiving the same PATCH bodies
over loopback HTTP with the same concurrency, without storage, auth or OCPI logic.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from fera.config import NodeConfig, RoleConfig
from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.node import create_node
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import CdrToken
from fera.ocpi.tokens.models import TokenType
from fera.server import RunningServer, bind, start_server
from fera.sessions_events import SessionChanged

T0 = datetime(2030, 1, 1, tzinfo=UTC)
CONCURRENCY = 16


def _role(kind: str, party: str) -> RoleConfig:
    return RoleConfig.model_validate({"role": kind, "country_code": "NL", "party_id": party, "name": kind})


async def _serve(name: str, kind: str, party: str, database_url: str) -> RunningServer:
    sock = bind()
    port = sock.getsockname()[1]
    config = NodeConfig(
        name=name,
        public_url=f"http://127.0.0.1:{port}",
        listen=f"127.0.0.1:{port}",
        database_url=database_url,
        roles=[_role(kind, party)],
    )
    return await start_server(create_node(config), sock)


def _location() -> Location:
    connector = {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "last_updated": "2030-01-01T00:00:00Z",
    }
    return Location.model_validate(
        {
            "country_code": "NL",
            "party_id": "CPO",
            "id": "LOC1",
            "publish": True,
            "address": "A 1",
            "city": "U",
            "country": "NLD",
            "coordinates": {"latitude": "52.08900", "longitude": "5.11000"},
            "time_zone": "Europe/Amsterdam",
            "last_updated": "2030-01-01T00:00:00Z",
            "evses": [
                {
                    "uid": "E1",
                    "status": "AVAILABLE",
                    "connectors": [connector],
                    "last_updated": "2030-01-01T00:00:00Z",
                }
            ],
        }
    )


async def run_fera(count: int, sessions: int, urls: tuple[str, str]) -> tuple[float, list[float]]:
    cpo_server = await _serve("cpo", "CPO", "CPO", urls[0])
    emsp_server = await _serve("emsp", "EMSP", "EMS", urls[1])
    cpo_node, emsp_node = cpo_server.node, emsp_server.node
    try:
        invitation = await cpo_node.partners.invite("emsp")
        await emsp_node.partners.register_with(invitation.versions_url, invitation.token_a)
        await exchange_of(emsp_node).sync.drain()
        cpo = cpo_of(cpo_node)
        await cpo.locations.put_location(_location())
        token = CdrToken(country_code="NL", party_id="EMS", uid="T", type=TokenType.RFID, contract_id="C")
        ids = [f"B{i:05}" for i in range(sessions)]
        for sid in ids:
            await cpo.sessions.start_session(
                session_id=sid, token=token, location_id="LOC1", evse_uid="E1", connector_id="1", at=T0
            )
        await exchange_of(cpo_node).pusher.drain()
        started: dict[tuple[str, float], float] = {}
        latencies: list[float] = []

        async def stored(event: SessionChanged) -> None:
            t0 = started.pop((event.session.id, event.session.kwh), None)
            if t0 is not None:
                latencies.append(time.perf_counter() - t0)

        emsp_node.events.subscribe(SessionChanged, stored)
        per_session = count // sessions

        async def feed(sid: str) -> None:  # one charging station: readings of one session in order
            for n in range(1, per_session + 1):
                started[(sid, float(n))] = time.perf_counter()
                await cpo.sessions.meter_values(
                    sid, kwh=float(n), at=T0 + timedelta(seconds=n), power_kw=11.0
                )

        begin = time.perf_counter()
        await asyncio.gather(*(feed(sid) for sid in ids))
        await exchange_of(cpo_node).pusher.drain()
        elapsed = time.perf_counter() - begin
        assert exchange_of(cpo_node).pusher.failures == 0
        return elapsed, latencies
    finally:
        await cpo_server.stop()
        await emsp_server.stop()


async def run_baseline(count: int) -> tuple[float, list[float]]:
    app = FastAPI()

    @app.patch("/sessions/{cc}/{pid}/{sid}")
    async def patch(request: Request) -> JSONResponse:
        await request.json()
        return JSONResponse({"status_code": 1000, "timestamp": "2030-01-01T00:00:00Z"})

    sock = bind()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/sessions/NL/CPO/"
    server = await start_server(_bare(app), sock)  # the server helper only needs `.app`
    body = {
        "kwh": 1.0,
        "charging_periods": [
            {
                "start_date_time": "2030-01-01T00:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 1.0}, {"type": "POWER", "volume": 11.0}],
            }
        ],
        "last_updated": "2030-01-01T00:00:01Z",
    }
    latencies: list[float] = []
    slots = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient() as http:

        async def one(i: int) -> None:
            async with slots:
                t0 = time.perf_counter()
                await http.patch(url + f"B{i % 100}", json=body)
                latencies.append(time.perf_counter() - t0)

        begin = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        elapsed = time.perf_counter() - begin
    await server.stop()
    return elapsed, latencies


def _bare(app: FastAPI):  # type: ignore[no-untyped-def]
    return type("Bare", (), {"app": app})()


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 100 else max(values)


def _report(label: str, count: int, run: tuple[float, list[float], float], baseline: float | None) -> None:
    """`run`: wall seconds, latencies, and the process's CPU seconds (both nodes; not PostgreSQL's)."""
    elapsed, latencies, cpu = run
    rate = count / elapsed
    ratio = "" if baseline is None else f"  ({rate / baseline:.2f}x the bare endpoint)"
    print(
        f"{label:<22} {count:>6} updates  {rate:8.0f}/s  p50 {statistics.median(latencies) * 1000:7.1f} ms"
        f"  p99 {_p99(latencies) * 1000:7.1f} ms  CPU {cpu / count * 1000:5.2f} ms/update{ratio}"
    )


async def _timed(run: Awaitable[tuple[float, list[float]]]) -> tuple[float, list[float], float]:
    began = time.process_time()
    elapsed, latencies = await run
    return elapsed, latencies, time.process_time() - began


async def _postgres_pair(url: str) -> tuple[tuple[str, str], list[str]]:
    names = [f"fera_bench_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for name in names:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = url.rsplit("/", 1)[0]
    return (f"{base}/{names[0]}", f"{base}/{names[1]}"), names


async def _drop(url: str, names: list[str]) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def main(count: int, sessions: int, postgres: str | None) -> None:
    bare = await _timed(run_baseline(count))
    baseline = count / bare[0]
    _report("bare FastAPI baseline", count, bare, None)
    with tempfile.TemporaryDirectory() as tmp:
        urls = tuple(f"sqlite+aiosqlite:///{Path(tmp) / n}.sqlite3" for n in ("cpo", "emsp"))
        _report(
            "FERA CPO->eMSP sqlite",
            count,
            await _timed(run_fera(count, sessions, (urls[0], urls[1]))),
            baseline,
        )
    if postgres:
        pair, names = await _postgres_pair(postgres)
        try:
            _report("FERA CPO->eMSP pg", count, await _timed(run_fera(count, sessions, pair)), baseline)
        finally:
            await _drop(postgres, names)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument(
        "--sessions", type=int, default=100, help="concurrent sessions the updates spread over"
    )
    parser.add_argument("--postgres", default=None, help="postgresql+asyncpg://... to run on PostgreSQL too")
    args = parser.parse_args()
    asyncio.run(main(args.count, args.sessions, args.postgres))
