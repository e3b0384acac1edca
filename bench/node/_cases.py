"""What wrk sends to a CPO node (`bench.node`, `bench.scaleout`), and how the bench sees its jobs catch up."""

from __future__ import annotations

import asyncio
import time

import httpx

from bench.node._serve import SINK_COUNT
from bench.node._setup import LIST_PATH, PROFILE_PATH, VERSION_PATH, Prepared, profile_body
from bench.node._wrk import Request

__all__ = ["CATCH_UP_S", "catch_up", "requests_for", "sunk"]

CATCH_UP_S = 120.0


def requests_for(prepared: Prepared, bare_url: str, page: int, changing: bool = False) -> dict[str, Request]:
    """The cases by label: two authenticated GETs, and PUT chargingprofiles cycling through the sessions
    (every answer must be ACCEPTED; the results go to the bare app's sink). `changing`: the PUTs' profile
    alternates between 11 and 10 A from one pass over the sessions to the next, so every job changes its
    session's ActiveChargingProfile and pushes it (else only each session's first does)."""
    get = {"Authorization": prepared.headers["Authorization"]}
    put = get | {"Content-Type": "application/json"}
    return {
        "GET version details": Request("GET", (VERSION_PATH,), get, expect='"status_code":1000'),
        f"GET locations, page of {page}": Request(
            "GET", (f"{LIST_PATH}?limit={page}",), get, expect='"status_code":1000'
        ),
        "PUT chargingprofiles": Request(
            "PUT",
            tuple(PROFILE_PATH + sid for sid in prepared.session_ids),
            put,
            profile_body(bare_url),
            expect='"ACCEPTED"',
            next_body=profile_body(bare_url, amps=10) if changing else None,
        ),
    }


async def sunk(bare_url: str) -> int:
    """How many results the bare app's sink has received."""
    async with httpx.AsyncClient() as http:
        return int((await http.get(bare_url + SINK_COUNT)).json()["count"])


async def catch_up(bare_url: str, expected: int) -> float:
    """Seconds until the sink has `expected` results (gives up after CATCH_UP_S: then it shows)."""
    start = time.monotonic()
    while await sunk(bare_url) < expected and time.monotonic() - start < CATCH_UP_S:
        await asyncio.sleep(0.05)
    return time.monotonic() - start
