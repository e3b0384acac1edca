"""A hub-shaped partner on 127.0.0.1: registers as role HUB and routes the objects of CPO parties behind it.

Small on purpose (a FastAPI app, real HTTP): versions and details, the Credentials Receiver the test registers
with, a Locations Sender list merging its CPO parties' locations (paged, as "GET All via hub"), and a Sessions
Sender that records the charging preferences relayed to a CPO behind it, and Locations, Sessions and Tokens
Receivers that record what is pushed to it.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from fera.server import Server, bind

TOKEN_A, TOKEN_C = "hub-token-a", "hub-token-c"  # what FERA presents to the hub (A, then C)
HUB_ROLE = {"role": "HUB", "country_code": "DE", "party_id": "hUb", "business_details": {"name": "Hub"}}


@dataclass
class Relayed:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeHub:
    url: str
    locations: list[dict[str, Any]]
    client_infos: list[dict[str, Any]] = field(default_factory=list)  # its HubClientInfo Sender list
    known_tag: dict[str, Any] = field(default_factory=dict)  # a Token some eMSP behind it authorizes
    token_b: str | None = None  # FERA's token, to call it with
    relayed: list[Relayed] = field(default_factory=list)
    alive: bool = True  # False: every versions GET (the still-alive check) is answered 503
    probes: int = 0  # versions GETs received

    @property
    def versions_url(self) -> str:
        return self.url + "/ocpi/versions"

    def auth(self) -> dict[str, str]:
        assert self.token_b is not None, "registered"
        return {"Authorization": "Token " + base64.b64encode(self.token_b.encode()).decode()}


def _ok(data: Any = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"status_code": 1000, "timestamp": "2030-01-01T07:00:00Z", "data": data}
    return JSONResponse(body, headers=headers)


def _app(hub: FakeHub) -> FastAPI:
    app = FastAPI()
    base = "/ocpi/2.2.1"

    @app.get("/ocpi/versions")
    async def versions() -> JSONResponse:
        hub.probes += 1
        if not hub.alive:
            return JSONResponse({"status_code": 3000, "timestamp": "2030-01-01T07:00:00Z"}, status_code=503)
        return _ok([{"version": "2.2.1", "url": hub.url + base}])

    @app.get(base)
    async def details() -> JSONResponse:
        senders = [("credentials", "SENDER"), ("locations", "SENDER"), ("sessions", "SENDER")]
        senders += [("hubclientinfo", "SENDER"), ("tokens", "SENDER")]
        receivers = [("locations", "RECEIVER"), ("sessions", "RECEIVER"), ("tokens", "RECEIVER")]
        receivers += [("chargingprofiles", "RECEIVER")]
        endpoints = [{"identifier": m, "role": r, "url": f"{hub.url}{base}/{m}"} for m, r in senders]
        endpoints += [
            {"identifier": m, "role": r, "url": f"{hub.url}{base}/receiver/{m}"} for m, r in receivers
        ]
        return _ok({"version": "2.2.1", "endpoints": endpoints})

    @app.post(base + "/credentials")
    async def credentials(request: Request) -> JSONResponse:
        hub.token_b = (await request.json())["token"]
        return _ok({"token": TOKEN_C, "url": hub.versions_url, "roles": [HUB_ROLE]})

    @app.get(base + "/locations")
    async def locations(request: Request, offset: int = 0, limit: int = 20) -> JSONResponse:
        page = hub.locations[offset : offset + limit]
        headers = {"X-Total-Count": str(len(hub.locations)), "X-Limit": "20"}
        if offset + limit < len(hub.locations):
            headers["Link"] = f'<{hub.url}{base}/locations?offset={offset + limit}&limit={limit}>; rel="next"'
        return _ok(page, headers)

    @app.get(base + "/hubclientinfo")
    async def client_infos(request: Request) -> JSONResponse:
        hub.relayed.append(Relayed("GET", request.url.path, dict(request.headers), None))
        return _ok(hub.client_infos, {"X-Total-Count": str(len(hub.client_infos)), "X-Limit": "20"})

    @app.get(base + "/tokens")
    async def tokens() -> JSONResponse:
        return _ok([], {"X-Total-Count": "0", "X-Limit": "20"})

    @app.post(base + "/tokens/{uid}/authorize")
    async def authorize(request: Request, uid: str) -> JSONResponse:
        hub.relayed.append(Relayed("POST", request.url.path, dict(request.headers), None))
        if uid != hub.known_tag.get("uid"):
            return JSONResponse({"status_code": 2004, "timestamp": "2030-01-01T07:00:00Z"}, status_code=404)
        return _ok({"allowed": "ALLOWED", "token": hub.known_tag, "authorization_reference": "REF-1"})

    @app.get(base + "/sessions")
    async def sessions() -> JSONResponse:
        return _ok([], {"X-Total-Count": "0", "X-Limit": "20"})

    @app.api_route(base + "/receiver/{rest:path}", methods=["PUT", "PATCH"])
    async def pushed(request: Request, rest: str) -> JSONResponse:
        hub.relayed.append(
            Relayed(request.method, request.url.path, dict(request.headers), await request.json())
        )
        return _ok({"result": "ACCEPTED", "timeout": 30} if rest.startswith("chargingprofiles/") else None)

    @app.put(base + "/sessions/{session_id}/charging_preferences")
    async def preferences(request: Request, session_id: str) -> JSONResponse:
        hub.relayed.append(Relayed("PUT", request.url.path, dict(request.headers), await request.json()))
        return _ok("ACCEPTED")

    return app


@asynccontextmanager
async def running_hub(
    locations: list[dict[str, Any]], client_infos: list[dict[str, Any]] | None = None
) -> AsyncIterator[FakeHub]:
    sock = bind()
    hub = FakeHub(f"http://127.0.0.1:{sock.getsockname()[1]}", locations, client_infos or [])
    server = Server(uvicorn.Config(_app(hub), log_level="warning", access_log=False, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.01)
        yield hub
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)


async def call_fera(
    hub: FakeHub, method: str, url: str, json: Any, *, from_party: tuple[str, str] | None, to: tuple[str, str]
) -> httpx.Response:
    """A request the hub routes to FERA on behalf of `from_party` (OCPI 2.2.1 "via hub" headers)."""
    headers = hub.auth() | {"OCPI-to-country-code": to[0], "OCPI-to-party-id": to[1]}
    if from_party is not None:
        headers |= {"OCPI-from-country-code": from_party[0], "OCPI-from-party-id": from_party[1]}
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.request(method, url, json=json, headers=headers)
