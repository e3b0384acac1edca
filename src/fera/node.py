"""`create_node(config)`: the only place where a FERA node is wired together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import APIRouter, FastAPI

from fera.admin import FlexibilitySource, admin_router, partners_admin_router
from fera.clock import Clock
from fera.config import NodeConfig
from fera.cpo.chargingprofiles.module import CPO_PROFILES, CpoChargingProfilesModule
from fera.events import EventBus
from fera.exchange import EXCHANGE
from fera.exchange.hubs import hub_aware
from fera.heap import freeze_startup, unfreeze
from fera.ocpi.app import BodyLimitMiddleware, NormalisePathMiddleware, install_error_handlers
from fera.ocpi.auth import Authenticator
from fera.ocpi.credentials import CREDENTIALS_PATH, CredentialsClient, credentials_router
from fera.ocpi.headers import RequestIdMiddleware
from fera.ocpi.peer import PeerClient
from fera.ocpi.recording import RecordingMiddleware
from fera.ocpi.transport import outbound_transport, unproxied
from fera.ocpi.versions import (
    VERSIONS_PATH,
    Endpoint,
    InterfaceRole,
    ModuleID,
    VersionsClient,
    versions_router,
)
from fera.partners import Identity, PartnerRole, PartnerService
from fera.partners.contact import ContactLog
from fera.parts import ALL_PROCESSES, ModuleMount, NodeContext, Parts, Process, Service
from fera.roles import role_parts
from fera.scsp.planning_loop import SteeringPlanner
from fera.scsp.planning_module import PLANNER
from fera.signals.board import SignalBoard
from fera.smartcharging.module import PROFILE_SENDER
from fera.smartcharging.sender import ProfileSender
from fera.store import Database
from fera.traffic import TrafficLog
from fera.web import dashboard_router
from fera.web.sources import Sources

__all__ = ["ModuleMount", "Node", "create_node", "partner_service"]

OUTBOUND_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Idle pooled connections are dropped after 2 s: common servers close idle ones after 5 s (uvicorn, Node.js),
# and writing a request on a connection the peer is closing loses it (httpx's own default is exactly 5 s).
# At most KEPT_IDLE stay pooled idle: httpcore's pool walks every connection for each idle one on every
# request and every response closed, so its cost grows with the square of the idle connections a burst
# left (`bench.outbound`: bursts of 100 requests, 3.8 ms of CPU per request with all kept, 1.2 with 16; of
# 32, 1.9 and 1.0). A burst above it opens a few connections again, which costs less than that walk.
KEPT_IDLE = 16
OUTBOUND_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=KEPT_IDLE, keepalive_expiry=2.0)


class Node:
    """A running FERA platform: its app, store, outbound client and services."""

    def __init__(
        self,
        config: NodeConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        processes: frozenset[Process] = ALL_PROCESSES,
    ) -> None:
        self.config, self.processes = config, processes
        self.base_url = config.public_url.rstrip("/")
        self.database = Database(config.database_url)
        clock = config.clock
        self.clock = Clock(clock.start, clock.real_start, clock.speed) if clock else Clock()
        self.traffic = TrafficLog(self.clock.now)  # recent OCPI messages per partner, for the dashboard
        # Mounted, not passed as `transport`: that would turn off the proxies the environment names.
        outbound = outbound_transport(OUTBOUND_LIMITS)
        mounts = None if transport else {"all://": outbound}
        self.http = httpx.AsyncClient(
            timeout=OUTBOUND_TIMEOUT, limits=OUTBOUND_LIMITS, transport=transport, mounts=mounts
        )
        self.peer = PeerClient(self.http, self.traffic, None if transport else unproxied(outbound))
        self.contacts = ContactLog(self.database)  # partner health, for `fera status`
        self.peer.observer = self.contacts.observe
        self.partners = partner_service(config, self.database, self.peer)
        ours = [r.party for r in config.roles]
        self.auth = Authenticator(
            hub_aware(self.partners.resolve, self.database, ours), self.contacts.heard_from
        )
        self.events = EventBus()
        self.signals = SignalBoard(self.database, self.events)
        self.context = NodeContext(
            config,
            self.base_url,
            self.database,
            self.clock,
            self.events,
            self.peer,
            self.partners,
            self.auth,
            self.signals,
            self.traffic,
            processes,
        )
        self.parts: Parts = role_parts(self.context)  # what the hosted roles declared
        self.mounts: list[ModuleMount] = self.parts.mounts
        self.app = self._build_app()

    # What the roles built, for callers that drive a node directly (tests, benchmarks, the demo); None when
    # the node hosts no role that has it.
    @property
    def cpo_profiles(self) -> CpoChargingProfilesModule | None:
        return self.context.find(CPO_PROFILES)

    @property
    def profile_sender(self) -> ProfileSender | None:
        return self.context.find(PROFILE_SENDER)

    @property
    def planner(self) -> SteeringPlanner | None:
        return self.context.find(PLANNER)

    @property
    def flexibility(self) -> FlexibilitySource | None:
        return self.parts.dashboard.flexibility

    @property
    def dashboard_sources(self) -> Sources:
        return self.parts.dashboard

    def endpoints(self) -> list[Endpoint]:
        own = [
            Endpoint(
                identifier=ModuleID.CREDENTIALS,
                role=InterfaceRole.SENDER,
                url=self.base_url + CREDENTIALS_PATH,
            )
        ]
        return own + [
            Endpoint(identifier=m.module, role=m.role, url=self.base_url + m.path) for m in self.mounts
        ]

    def _services(self) -> list[Service]:
        """The background services of the parts this process runs."""
        return [s for s in self.parts.services if s.runs_in in self.processes]

    async def start(self) -> None:
        await self.database.migrate()
        for service in self._services():
            if service.start is not None:
                await service.start()
        freeze_startup()

    async def stop(self) -> None:
        exchange = self.context.find(EXCHANGE)
        if exchange is not None:  # first: its pushes and pulls still need the client and the database
            await exchange.close()
        for service in reversed(self._services()):
            if service.stop is not None:
                await service.stop()
        await self.contacts.drain()
        await self.http.aclose()
        await self.database.close()
        unfreeze()

    def _build_app(self) -> FastAPI:
        @asynccontextmanager
        async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        app = FastAPI(title=f"FERA node {self.config.name}", lifespan=lifespan, redirect_slashes=False)
        install_error_handlers(app, self.auth.identifies)
        # The OCPI modules before the rest: routes are matched in order, and a busy node's requests are
        # mostly theirs (none of their paths overlaps another router's).
        routers = [versions_router(self.auth, self.base_url, self.endpoints())]
        routers += [mount.router for mount in self.mounts]
        routers += [
            credentials_router(self.auth, self.partners),
            admin_router(self.config.admin_token, self.signals, lambda: self.flexibility),
            partners_admin_router(self.config.admin_token, self.partners),
            *self.parts.routers,
            dashboard_router(self),
        ]
        for router in routers:
            _add_routes(app, router)
        app.add_middleware(BodyLimitMiddleware, max_bytes=self.config.max_request_body_bytes)
        app.add_middleware(RecordingMiddleware, log=self.traffic)
        app.add_middleware(RequestIdMiddleware)
        app.add_middleware(NormalisePathMiddleware)
        return app


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """`router`'s routes in the app's own list, not `app.include_router(router)`: recent FastAPI keeps an
    included router as one route and matches a request through it twice (a GET version details made 587
    Python calls through included routers, 469 now: bench/README "GET version details: the routes in one
    list"). FERA's routers are included with no prefix, dependencies or other options, and their routes
    carry their own, so the app serves the same routes either way (`app.dependency_overrides`, which FERA
    never uses, would not reach them)."""
    app.router.routes.extend(router.routes)


def partner_service(config: NodeConfig, database: Database, peer: PeerClient) -> PartnerService:
    """The credentials logic alone: what `fera partners …` needs beside a serving node (no app, no hooks)."""
    identity = Identity(
        config.public_url.rstrip("/") + VERSIONS_PATH,
        tuple(PartnerRole(r.role, r.country_code, r.party_id, r.name, r.website) for r in config.roles),
    )
    return PartnerService(
        database,
        identity,
        VersionsClient(peer),
        CredentialsClient(peer),
        token_grace=timedelta(seconds=config.token_rotation_grace_s),
        cache_ttl_s=config.partner_cache_ttl_s,
    )


def create_node(
    config: NodeConfig,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    processes: frozenset[Process] = ALL_PROCESSES,
) -> Node:
    """The node, running `processes` of its parts (all of them unless it is one process of several)."""
    return Node(config, transport, processes)
