"""A node is described by a TOML file: public URL, listen address, database URL and its roles."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from fera.ocpi.auth import Party
from fera.ocpi.types import Role

__all__ = [
    "BoardConfig",
    "ClockConfig",
    "ConfigError",
    "ContractConfig",
    "DelegationConfig",
    "NetworkConfig",
    "NodeConfig",
    "RoleConfig",
    "SiteConfig",
    "StationConfig",
    "StationEvseConfig",
    "SteeringConfig",
]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./fera.sqlite3"
# What a database URL's scheme (without its driver) must become.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}


class ConfigError(ValueError):
    """A node configuration that can't be used: every problem found, each naming its key path and why."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        super().__init__("\n".join(f"{path}: {p}" for p in problems))
        self.path, self.problems = str(path), problems


class RoleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    country_code: Annotated[str, StringConstraints(min_length=2, max_length=2, to_upper=True)]
    party_id: Annotated[str, StringConstraints(min_length=3, max_length=3, to_upper=True)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    website: str | None = None

    @property
    def party(self) -> Party:
        return Party(self.country_code, self.party_id, self.role)


PartyRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}\*[A-Za-z0-9]{3}$", to_upper=True)]


class ContractConfig(BaseModel):
    """CPO side: an SCSP this CPO delegates smart charging to (topology "CPO delegates to SCSP")."""

    model_config = ConfigDict(extra="forbid")

    scsp: PartyRef  # "NL*FSC"
    locations: list[str] = Field(default_factory=list)  # location ids covered; empty = every location

    def covers(self, location_id: str) -> bool:
        return not self.locations or location_id.upper() in (x.upper() for x in self.locations)


class DelegationConfig(BaseModel):
    """eMSP side: an SCSP this eMSP delegates smart charging of its customers to."""

    model_config = ConfigDict(extra="forbid")

    scsp: PartyRef
    tokens: list[str] = Field(default_factory=list)  # token uids delegated; empty = every token

    def covers(self, token_uid: str) -> bool:
        return not self.tokens or token_uid.upper() in (x.upper() for x in self.tokens)


class SteeringConfig(BaseModel):
    """CPO side: whose ChargingProfiles govern the sessions at a location.

    `minimum` (the default everywhere): every party allowed to steer (the token's eMSP, a contracted SCSP)
    may send one, and the session gets the minimum of them all, as OCPP combines limits. `contract`: only
    the SCSPs whose contract covers the location; anyone else's profile is REJECTED. `token_owner`: only the
    eMSP that issued the driver's token.
    """

    model_config = ConfigDict(extra="forbid")

    location: str
    governing: Literal["minimum", "contract", "token_owner"] = "minimum"


PhaseName = Literal["L1", "L2", "L3"]
SITE_PHASES: tuple[PhaseName, ...] = ("L1", "L2", "L3")
Amps = Annotated[float, Field(gt=0)]


class BoardConfig(BaseModel):
    """A sub-board (distribution board, feeder) inside a site: its own fuse, and the EVSEs wired to it."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(min_length=1)]
    parent: str | None = None  # another board's id; None: directly under the site's connection
    phase_amps: Amps | None = None  # its fuse, per phase
    capacity_kw: Annotated[float | None, Field(gt=0)] = None  # a limit on its total power, if any
    evses: list[str] = Field(default_factory=list)  # EVSE uids wired to this board (not to a child)


LineConnection = Literal["AB", "BC", "CA", "A", "B", "C"]


class NetworkConfig(BaseModel):
    """A site's three-phase network as line currents (planning only): a transformer's secondary lines A, B,
    C, each limited to `line_amps`, and where each EVSE is connected: across a line pair ("AB", "BC", "CA":
    delta, at the line-to-line `voltage`) or from one line to neutral ("A", "B", "C": at `voltage`/√3). An
    unbalanced load makes each line current the magnitude of a sum of phasors (delta currents subtract on a
    shared line), which per-phase amps cannot say."""

    model_config = ConfigDict(extra="forbid")

    line_amps: Amps  # each secondary line's limit (A)
    voltage: Annotated[float, Field(gt=0)] = 400.0  # line-to-line (Caltech's garage: 208)
    evses: dict[str, LineConnection] = Field(min_length=1)  # EVSE uid -> "AB", "BC", "CA", "A", "B" or "C"


class SiteConfig(BaseModel):
    """A grid connection (a location, or some of its EVSEs): its limits, sub-boards and phase wiring.

    The CPO enforces it (site load management); an SCSP that plans a contracted site is given the same
    description. `capacity_kw` alone is the simple form (one total limit); `phase_amps` is the fuse per phase.
    `phases` maps an EVSE uid to the site phases its own L1, L2, L3 are wired to (rotation: `["L2", "L3",
    "L1"]`; a single-phase EVSE on L2: `["L2"]`). A single- or two-phase EVSE whose wiring is not given may be
    on any phase, so it is counted on all three; a three-phase EVSE without an entry is wired L1-L2-L3.
    """

    model_config = ConfigDict(extra="forbid")

    location: str
    capacity_kw: Annotated[float | None, Field(gt=0)] = None
    phase_amps: Amps | None = None
    voltage: Annotated[float, Field(gt=0)] = 230.0  # phase-to-neutral
    evses: list[str] = Field(default_factory=list)  # EVSE uids behind it; empty = every EVSE of the location
    boards: list[BoardConfig] = Field(default_factory=list)
    phases: dict[str, list[PhaseName]] = Field(default_factory=dict)
    network: NetworkConfig | None = None  # line-current limits the planner holds (not the CPO's sharing)

    @model_validator(mode="after")
    def _consistent(self) -> SiteConfig:
        if self.capacity_kw is None and self.phase_amps is None:
            raise ValueError("a site needs capacity_kw or phase_amps")
        ids = [b.id.upper() for b in self.boards]
        if len(set(ids)) != len(ids):
            raise ValueError("board ids must be unique")
        for board in self.boards:
            self._chain(board.id)  # unknown parents and cycles
        wired = [uid.upper() for b in self.boards for uid in b.evses]
        if len(set(wired)) != len(wired):
            raise ValueError("an EVSE is wired to one board only")
        for uid, phases in self.phases.items():
            if not phases or len(set(phases)) != len(phases):
                raise ValueError(f"phases of EVSE {uid}: 1 to 3 distinct phases")
        self._network_inside()
        return self

    def _network_inside(self) -> None:
        """Every EVSE of the network is one of the site's (a site naming its EVSEs), each named once."""
        if self.network is None:
            return
        uids = [u.upper() for u in self.network.evses]
        if len(set(uids)) != len(uids):
            raise ValueError("network: an EVSE is connected once (EVSE uids are case-insensitive)")
        outside = sorted(
            u for u in self.network.evses if self.evses and u.upper() not in map(str.upper, self.evses)
        )
        if outside:
            raise ValueError(f"network: EVSE {', '.join(outside)} is not one of the site's evses")

    def _board(self, board_id: str) -> BoardConfig:
        found = next((b for b in self.boards if b.id.upper() == board_id.upper()), None)
        if found is None:
            raise ValueError(f"unknown board {board_id}")
        return found

    def _chain(self, board_id: str) -> list[BoardConfig]:
        chain = [self._board(board_id)]
        while chain[-1].parent is not None:
            parent = self._board(chain[-1].parent)
            if parent in chain:
                raise ValueError(f"board {board_id}: parent cycle")
            chain.append(parent)
        return chain

    def boards_of(self, evse_uid: str) -> list[BoardConfig]:
        """The boards an EVSE's current flows through, innermost first (not the site's connection)."""
        board = next((b for b in self.boards if any(u.upper() == evse_uid.upper() for u in b.evses)), None)
        return [] if board is None else self._chain(board.id)

    def wiring(self, evse_uid: str) -> tuple[PhaseName, ...] | None:
        """The site phases of the EVSE's L1, L2, L3 as configured; None when not given."""
        found = next((p for uid, p in self.phases.items() if uid.upper() == evse_uid.upper()), None)
        return None if found is None else tuple(found)

    def site_phases(self, evse_uid: str, evse_phases: int, car_phases: int | None = None) -> tuple[str, ...]:
        """The site phases a car on this EVSE loads, each with its full per-phase current.

        A car uses the EVSE's first `car_phases` phases (L1 first, as on a Type 2 connector). Unknown wiring
        of a single- or two-phase EVSE (or wiring naming fewer phases than in use): every site phase, since
        its current may be on any of them.
        """
        used = evse_phases if car_phases is None else max(1, min(car_phases, evse_phases))
        wired = self.wiring(evse_uid)
        if wired is None:
            return SITE_PHASES if evse_phases < 3 else SITE_PHASES[:used]
        return wired[:used] if len(wired) >= used else SITE_PHASES


class ClockConfig(BaseModel):
    """Accelerated simulated time for demos: `start` (simulated) is `real_start` (wall clock), then faster."""

    model_config = ConfigDict(extra="forbid")

    start: datetime
    real_start: datetime
    speed: Annotated[float, Field(gt=0)] = 1.0


class StationEvseConfig(BaseModel):
    """One OCPP EVSE (2.0.1) or connector (1.6) of a station, and the OCPI EVSE/connector it stands for."""

    model_config = ConfigDict(extra="forbid")

    ocpp_id: Annotated[int, Field(gt=0)]  # OCPP 2.0.1 evseId, or OCPP 1.6 connectorId
    evse_uid: str
    connector_id: str = "1"


class StationConfig(BaseModel):
    """CPO side: an OCPP station admitted by the gateway (Basic auth with `password`, else by id alone)."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(min_length=1, max_length=48)]
    password: str | None = None
    location: str
    # The EVSEs whose OCPI uid you choose; any other the station reports becomes `{id}-{ocpp_id}`.
    evses: list[StationEvseConfig] = Field(default_factory=list)


_ANY_HOST = "0.0.0.0"  # `listen` and `ocpp_listen` are IPv4 or names (no colons)


def shared_port(listen: str, ocpp_listen: str | None) -> str | None:
    """Why `ocpp_listen` cannot be `listen`'s port (None: it can). Both sockets would listen (each allows
    reuse), and the node's API calls would reach the OCPP gateway, which refuses them."""
    if ocpp_listen is None:
        return None
    host, port = listen.rsplit(":", 1)
    gateway_host, gateway_port = ocpp_listen.rsplit(":", 1)
    overlap = host == gateway_host or _ANY_HOST in (host, gateway_host)
    if int(port) == 0 or int(port) != int(gateway_port) or not overlap:
        return None
    return f"ocpp_listen {ocpp_listen} is the node's listen address {listen}: give the gateway its own port"


class NodeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "fera"
    public_url: Annotated[str, StringConstraints(pattern=r"^https?://")]
    listen: Annotated[str, StringConstraints(pattern=r"^[^:]+:\d+$")] = "127.0.0.1:8000"
    database_url: str = DEFAULT_DATABASE_URL
    roles: Annotated[list[RoleConfig], Field(min_length=1)]
    # How long a partner must wait between two profile requests on one session (TOO_OFTEN below it).
    min_profile_interval_s: float = 0.0
    # CPO: a Session's meter readings go to each partner in at most one PATCH per this many seconds (of the
    # node's clock): the first at once, later ones joined into one PATCH (every ChargingPeriod, the latest
    # values) at the end of the interval. A new session and a status change go out at once. 0: every reading.
    session_update_interval_s: Annotated[float, Field(ge=0, le=3600)] = 60.0
    # Announced in every ChargingProfileResponse: how long a sender should wait for the result.
    profile_result_timeout_s: Annotated[int, Field(ge=1, le=3600)] = 30
    contracts: list[ContractConfig] = Field(default_factory=list)
    delegations: list[DelegationConfig] = Field(default_factory=list)
    sites: list[SiteConfig] = Field(default_factory=list)
    clock: ClockConfig | None = None  # None: real time
    # Steering: an SCSP plans every session it receives (off: it only sends what its API is told to);
    # an eMSP plans its own customers' sessions that it has not delegated to an SCSP.
    plan_sessions: bool = True
    steer_own_customers: bool = False
    planning_step_s: Annotated[int, Field(ge=60, le=3600)] = 900
    # Bearer token for FERA's own admin API (/fera/admin/...: signals in, flexibility out); None = disabled.
    admin_token: Annotated[str | None, StringConstraints(min_length=16)] = None
    # After a credentials PUT (token rotation, either side) the partner's previous token keeps working this
    # long, so its requests already in flight don't fail; 0 = it dies at once.
    token_rotation_grace_s: Annotated[float, Field(ge=0, le=3600)] = 60.0
    # A hub partner we have not reached for this long gets the HubClientInfo still-alive check (a GET on its
    # versions endpoint); one that fails it is sent nothing until it answers again (spec: "start with 5 min").
    hub_still_alive_s: Annotated[float, Field(ge=1, le=86400)] = 300.0
    # Partners and their token hashes are held in memory (every request is authenticated from there). The
    # node's own changes apply at once; this bounds how long one made by another process on the same
    # database (the CLI: rotate, unregister) takes to be seen. A token handed out elsewhere works at once.
    partner_cache_ttl_s: Annotated[float, Field(gt=0, le=3600)] = 5.0
    # Where the OCPP gateway listens for stations (port 0: any free one); None = no gateway.
    ocpp_listen: Annotated[str | None, StringConstraints(pattern=r"^[^:]+:\d+$")] = None
    # How long the gateway waits for a station's answer before a command counts as REJECTED.
    ocpp_call_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    stations: list[StationConfig] = Field(default_factory=list)
    steering: list[SteeringConfig] = Field(default_factory=list)
    # The largest request body the node reads (bytes); a larger one is refused with HTTP 413 unread.
    max_request_body_bytes: Annotated[int, Field(ge=1024)] = 1_048_576

    @model_validator(mode="after")
    def _gateway_on_a_port_of_its_own(self) -> NodeConfig:
        clash = shared_port(self.listen, self.ocpp_listen)
        if clash is not None:
            raise ValueError(clash)
        return self

    @model_validator(mode="after")
    def _contracted_where_contract_governs(self) -> NodeConfig:
        for rule in self.steering:
            if rule.governing == "contract" and not any(c.covers(rule.location) for c in self.contracts):
                raise ValueError(f"steering.{rule.location}: 'contract' governs, yet no contract covers it")
        return self

    def governing(self, location_id: str) -> str:
        """Whose profiles govern at the location (`SteeringConfig.governing`)."""
        return next(
            (r.governing for r in self.steering if r.location.upper() == location_id.upper()), "minimum"
        )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """FERA runs on asyncio: only the async drivers work; say which URL to write instead."""
        scheme = url.split("://", 1)[0].lower()
        if scheme in ASYNC_DRIVERS.values():
            return url
        suggestion = ASYNC_DRIVERS.get(scheme.split("+", 1)[0])
        if suggestion is None:
            raise ValueError(
                f"unsupported database {scheme}://: use sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        raise ValueError(
            f"{scheme}:// needs the async driver: write {suggestion}://{url.split('://', 1)[-1]}"
        )

    @model_validator(mode="after")
    def _one_site_per_evse(self) -> NodeConfig:
        """A location is one site, or several sites each naming its EVSEs (never both, never shared)."""
        seen: dict[str, set[str] | None] = {}
        for site in self.sites:
            location = site.location.upper()
            evses = {u.upper() for u in site.evses}
            known = seen.get(location, set())
            if location in seen and (known is None or not evses or known & evses):
                raise ValueError(f"sites: location {site.location} is in more than one site")
            seen[location] = None if not evses else (known or set()) | evses
        return self

    @property
    def host(self) -> str:
        return self.listen.rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])

    def has_role(self, role: Role) -> bool:
        return any(r.role is role for r in self.roles)

    def party(self, role: Role) -> Party | None:
        return next((r.party for r in self.roles if r.role is role), None)
