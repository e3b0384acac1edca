"""What a role plugs into a node: the narrow context it builds from, and the parts it declares.

The roles (`fera.cpo`, `fera.emsp`, `fera.scsp`, `fera.smartcharging`) sit above this module and never see
the node: each role's factory takes a `NodeContext` and returns its `Parts` (OCPI mounts, FERA's own routers,
background services, dashboard sources). `fera.node` composes them. A service two roles share (the exchange,
the profile Sender, the planner) is built once per context through `NodeContext.shared`.

A process runs some of the parts (`fera serve --parts api|worker|gateway|all`): the API serves the routers,
a worker runs the background services (ChargingProfiles jobs; the planner and the Sender's deadlines in
whichever worker owns them), a gateway holds the stations' websockets.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Generic, Protocol, TypeVar, cast

from fastapi import APIRouter

from fera.clock import Clock
from fera.config import NodeConfig
from fera.events import EventBus
from fera.ocpi.auth import Authenticator
from fera.ocpi.peer import PeerClient
from fera.ocpi.versions import InterfaceRole, ModuleID
from fera.partners import PartnerService
from fera.signals.board import SignalBoard
from fera.store import Database
from fera.traffic import TrafficLog
from fera.web.sources import Sources

__all__ = [
    "ALL_PROCESSES",
    "HasContext",
    "Hook",
    "Key",
    "ModuleMount",
    "NodeContext",
    "Parts",
    "Process",
    "Service",
    "context_of",
    "processes_named",
]

T = TypeVar("T")
Hook = Callable[[], Awaitable[None]]


class Process(StrEnum):
    """What a node's process runs; one process running all of them is the default (and SQLite's only way)."""

    # OCPI, admin and dashboard routes; in one process also the planner and the Sender's deadlines
    API = "api"
    # background work through the database: ChargingProfiles jobs (claimed), and on PostgreSQL the planner
    # and the Sender's deadlines (each owned by one worker, `fera.ownership`)
    WORKER = "worker"
    GATEWAY = "gateway"  # the OCPP websockets of the stations


ALL_PROCESSES = frozenset(Process)


@dataclass(frozen=True)
class Service:
    """Something a role starts after migrations and stops before the database closes, in one process kind."""

    runs_in: Process
    start: Hook | None = None
    stop: Hook | None = None


@dataclass(frozen=True)
class ModuleMount:
    """One interface a node hosts: what Versions announces and the router that serves it."""

    module: ModuleID
    role: InterfaceRole
    path: str
    router: APIRouter


class Key(Generic[T]):
    """Names one shared service of a node, typed: `PLANNER: Key[SteeringPlanner] = Key("planner")`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Key({self.name!r})"


@dataclass
class NodeContext:
    """The node's own parts, the only ones a role may build from."""

    config: NodeConfig
    base_url: str
    database: Database
    clock: Clock
    events: EventBus
    peer: PeerClient
    partners: PartnerService
    auth: Authenticator
    signals: SignalBoard
    traffic: TrafficLog
    processes: frozenset[Process] = ALL_PROCESSES  # what this process runs of the node
    _shared: dict[Key[object], object] = field(default_factory=dict, repr=False)

    @property
    def context(self) -> NodeContext:
        """A context is its own holder: the role accessors (`cpo_of`) take either it or a node."""
        return self

    def shared(self, key: Key[T], build: Callable[[], T]) -> T:
        """The one instance of a service per node, built on first use."""
        shared = cast(dict[Key[T], T], self._shared)
        if key not in shared:
            shared[key] = build()
        return shared[key]

    def find(self, key: Key[T]) -> T | None:
        """The service if some role built it; None when the node hosts no role that has it."""
        return cast(dict[Key[T], T], self._shared).get(key)


class HasContext(Protocol):
    """A node or a context: what the role accessors (`cpo_of`, `exchange_of`) are given."""

    @property
    def context(self) -> NodeContext: ...


def context_of(holder: HasContext) -> NodeContext:
    return holder.context


@dataclass
class Parts:
    """What one role factory declares; `fera.node` composes the declarations of every hosted role."""

    mounts: list[ModuleMount] = field(default_factory=list)  # OCPI interfaces (announced in Versions)
    routers: list[APIRouter] = field(default_factory=list)  # FERA's own routes (admin, preferences)
    services: list[Service] = field(default_factory=list)  # started in order, stopped in reverse order
    dashboard: Sources = field(default_factory=Sources)  # what the dashboard reads beyond the store

    def add(self, other: Parts) -> Parts:
        """Both declarations; an interface two roles share (same module, role and path) is mounted once."""
        known = {_mount_key(m) for m in self.mounts}
        self.mounts += [m for m in other.mounts if _mount_key(m) not in known]
        self.routers += other.routers
        self.services += other.services
        for source in fields(Sources):
            if (value := getattr(other.dashboard, source.name)) is not None:
                setattr(self.dashboard, source.name, value)
        return self


def _mount_key(mount: ModuleMount) -> tuple[str, str, str]:
    return mount.module.value, mount.role.value, mount.path


def processes_named(names: str) -> frozenset[Process]:
    """`api,worker` -> those processes; `all` -> every one. ValueError names what is not a process."""
    words = {w.strip().lower() for w in names.split(",") if w.strip()}
    if words == {"all"}:
        return ALL_PROCESSES
    unknown = sorted(words - {p.value for p in Process})
    if unknown or not words:
        named = ", ".join(unknown) or repr(names)
        raise ValueError(f"not a part of a node: {named} (api, worker, gateway or all)")
    return frozenset(Process(w) for w in words)
