"""A received session's PATCH on an eMSP as the session grows: CPU per PATCH by the periods it holds.

    .venv/bin/python -m bench.sessions.received [--patches N] [--sessions S] [--periods 1,120,480]
        [--postgres URL]

A CPO node and an eMSP node (SQLite; with `--postgres`, again on PostgreSQL) in this process, on 127.0.0.1.
The CPO PUTs S sessions of P charging periods each to the eMSP, then PATCHes each with one more period at a
time (a meter reading, as a CPO sends them once a minute: 480 periods is a day), one session's PATCHes in
order and the sessions at once, through its own OCPI client. The eMSP reads the session it holds, appends
the period and writes it whole (its Sessions Receiver). Printed: PATCHes per second and CPU of the process
(both nodes, client and server; not PostgreSQL's server) per PATCH; the baseline in the same run: the same
PATCHes on sessions of one period (the cost that does not grow with the session).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.sessions.push import T0, _drop, _postgres_pair, _serve
from fera.exchange import exchange_of
from fera.node import Node
from fera.ocpi.auth import Party
from fera.ocpi.peer import PeerTarget
from fera.ocpi.sessions.models import Session, SessionPatch
from fera.ocpi.types import Role


def _session(sid: str, periods: int) -> Session:
    return Session.model_validate(
        {
            "country_code": "NL",
            "party_id": "CPO",
            "id": sid,
            "start_date_time": T0,
            "kwh": 0.0,
            "cdr_token": {
                "country_code": "NL",
                "party_id": "EMS",
                "uid": "T",
                "type": "RFID",
                "contract_id": "C",
            },
            "auth_method": "WHITELIST",
            "location_id": "LOC1",
            "evse_uid": "E1",
            "connector_id": "1",
            "currency": "EUR",
            "status": "ACTIVE",
            "charging_periods": [_period(n) for n in range(periods)],
            "last_updated": T0,
        }
    )


def _period(n: int) -> dict[str, Any]:
    at = T0 + timedelta(minutes=n)
    return {
        "start_date_time": at,
        "dimensions": [{"type": "ENERGY", "volume": n / 10}, {"type": "POWER", "volume": 7.4}],
    }


def _reading(n: int) -> SessionPatch:
    at = T0 + timedelta(minutes=n)
    return SessionPatch.model_validate({"kwh": n / 10, "charging_periods": [_period(n)], "last_updated": at})


async def _case(
    cpo: Node, target: PeerTarget, url: str, tag: str, periods: int, sessions: int, patches: int
) -> tuple[float, float]:
    client = exchange_of(cpo).sessions_receiver
    ids = [f"{tag}{periods}-{i}" for i in range(sessions)]
    for sid in ids:
        await client.put(target, url, _session(sid, periods))
    per_session = max(1, patches // sessions)

    async def feed(sid: str) -> None:
        for n in range(periods, periods + per_session):
            await client.patch(target, url, ("NL", "CPO", sid), _reading(n))

    cpu, began = time.process_time(), time.perf_counter()
    await asyncio.gather(*(feed(sid) for sid in ids))
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    done = per_session * len(ids)
    return done / wall, 1e3 * cpu / done


async def _run(urls: list[str], patches: int, sessions: int, sizes: list[int]) -> list[tuple[float, float]]:
    """(PATCH/s, CPU ms per PATCH) per size, the CPO and the eMSP on the databases `urls`."""
    cpo_server = await _serve("cpo", "CPO", "CPO", urls[0])
    emsp_server = await _serve("emsp", "EMSP", "EMS", urls[1])
    try:
        cpo, emsp = cpo_server.node, emsp_server.node
        invitation = await cpo.partners.invite("emsp")
        await emsp.partners.register_with(invitation.versions_url, invitation.token_a)
        partner = next(p for p in await cpo.partners.known() if p.name == "emsp")
        target = exchange_of(cpo).target(partner, Party("NL", "EMS", Role.EMSP), Role.CPO)
        url = partner.endpoint("sessions", "RECEIVER")
        assert url is not None
        await _case(cpo, target, url, "warm", 1, sessions, sessions)  # first requests, first statements
        out = []
        for periods in sizes:
            print(f"  {periods} periods", file=sys.stderr, flush=True)
            out.append(await _case(cpo, target, url, "s", periods, sessions, patches))
        return out
    finally:
        await cpo_server.stop()
        await emsp_server.stop()


async def main(patches: int, sessions: int, sizes: list[int], postgres: str | None) -> None:
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load average {load:.1f} at the start; {sessions} sessions at once")
    print()
    print("| database | periods held | PATCH/s | CPU ms/PATCH | x one period |")
    print("|---|---:|---:|---:|---:|")
    runs: list[tuple[str, list[tuple[float, float]]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        urls = [f"sqlite+aiosqlite:///{Path(tmp) / n}.sqlite3" for n in ("cpo", "emsp")]
        runs.append(("SQLite", await _run(urls, patches, sessions, sizes)))
    if postgres:
        pair, names = await _postgres_pair(postgres)
        try:
            runs.append(("PostgreSQL", await _run(list(pair), patches, sessions, sizes)))
        finally:
            await _drop(postgres, names)
    for database, figures in runs:
        base = figures[0][1]
        for periods, (rate, cpu) in zip(sizes, figures, strict=True):
            print(f"| {database} | {periods} | {rate:.0f} | {cpu:.2f} | {cpu / base:.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patches", type=int, default=400, help="PATCHes per size")
    parser.add_argument("--sessions", type=int, default=8, help="sessions PATCHed at once")
    parser.add_argument("--periods", default="1,120,480", help="comma-separated periods each session holds")
    parser.add_argument("--postgres", default=None, help="postgresql+asyncpg://... to run on PostgreSQL too")
    args = parser.parse_args()
    sizes = [int(p) for p in args.periods.split(",")]
    asyncio.run(main(args.patches, args.sessions, sizes, args.postgres))
