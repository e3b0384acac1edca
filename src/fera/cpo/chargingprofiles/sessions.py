"""What the CPO's ChargingProfiles logic needs to know about a session, and who may steer it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from fera.charging import Electrical
from fera.config import ContractConfig
from fera.ocpi.auth import Caller
from fera.ocpi.locations.models import Capability, Location
from fera.ocpi.sessions.models import Session, SessionStatus
from fera.ocpi.types import Role, ci_equal
from fera.store.group import GroupCommit
from fera.store.protocols import Store, UnitOfWork

__all__ = ["SteerableSession", "SteerableSessions", "StoredSteerableSessions", "may_steer", "steerable"]

# Kept made from their stored texts: sessions are small; a location's document can be large (hundreds of
# EVSEs), so fewer of them are kept parsed (a session made keeps its location's text, not its parse).
KEPT_SESSIONS = 2048
KEPT_LOCATIONS = 256
K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class SteerableSession:
    session_id: str
    ongoing: bool  # ACTIVE or PENDING: profiles are only addressed to ongoing sessions
    started_at: datetime  # the origin of relative profiles
    token_owner: tuple[str, str]  # cdr_token country_code, party_id: the eMSP whose customer this is
    location_id: str
    evse_uid: str
    profile_capable: bool  # the EVSE has CHARGING_PROFILE_CAPABLE
    electrical: Electrical


class SteerableSessions(Protocol):
    async def find(self, session_id: str) -> SteerableSession | None: ...
    async def read(self, uow: UnitOfWork, session_id: str) -> SteerableSession | None: ...
    async def read_many(self, uow: UnitOfWork, session_ids: list[str]) -> dict[str, SteerableSession]:
        """Keyed by upper-cased id; the ones not found are left out."""
        ...


def may_steer(
    caller: Caller, session: SteerableSession, contracts: list[ContractConfig], governing: str = "minimum"
) -> bool:
    """The token's owner (an eMSP role of the caller), or an SCSP whose smart-charging contract covers the
    location; where the location's `governing` names one of them (`SteeringConfig`), only that one. The
    caller's roles are the parties its operator agreed (`fera.partners.identity`)."""
    parties = caller.acting_for()  # through a hub: the party it routes for
    owner = any(p.role is Role.EMSP and p.is_(*session.token_owner) for p in parties)
    scsps = [p for p in parties if p.role is Role.SCSP]
    contracted = any(
        p.is_(*contract.scsp.split("*")) and contract.covers(session.location_id)
        for contract in contracts
        for p in scsps
    )
    if governing == "contract":
        return contracted
    if governing == "token_owner":
        return owner
    return owner or contracted


class StoredSteerableSessions:
    """`SteerableSessions` over the CPO's own sessions and locations in the store.

    Parsing the stored documents (JSON, then pydantic) was a few per cent of a PUT's CPU (bench/README.md,
    node): a session is made once per text of its documents (a claimed job reads again what its Receiver
    just read; a busy Receiver reads the same ones request after request), a location parsed once per text
    (it changes far less often than its sessions, whose every reading is a new text). A changed document is
    a new text, parsed anew."""

    def __init__(self, store: Store) -> None:
        self._store = store
        # Jobs running at once read their sessions in one transaction.
        self._finding = GroupCommit(self._find_many)
        self._made: _Kept[tuple[str, str | None], SteerableSession] = _Kept(KEPT_SESSIONS)
        # each with the text it was parsed from
        self._locations: _Kept[str, tuple[str, Location]] = _Kept(KEPT_LOCATIONS)

    async def find(self, session_id: str) -> SteerableSession | None:
        return await self._finding(session_id)

    async def _find_many(self, session_ids: Sequence[str]) -> list[SteerableSession | None]:
        async with self._store.unit_of_work() as uow:
            found = await self.read_many(uow, list(session_ids))
        return [found.get(session_id.upper()) for session_id in session_ids]

    async def read(self, uow: UnitOfWork, session_id: str) -> SteerableSession | None:
        """Within the caller's unit of work (the Receiver reads and writes in one transaction)."""
        return (await self.read_many(uow, [session_id])).get(session_id.upper())

    async def read_many(self, uow: UnitOfWork, session_ids: list[str]) -> dict[str, SteerableSession]:
        found = await uow.sessions.own_json_at_many(session_ids)
        return {key: self._steerable(*texts) for key, texts in found.items()}

    def _steerable(self, session: str, location: str | None) -> SteerableSession:
        # Keyed by the location's text as first kept: its sessions share one copy of it, not one each.
        kept = None if location is None else self._locations.get(location, _parsed)[0]
        return self._made.get((session, kept), self._make)

    def _make(self, texts: tuple[str, str | None]) -> SteerableSession:
        session, location = texts
        parsed = None if location is None else self._locations.get(location, _parsed)[1]
        return steerable(Session.model_validate_json(session), parsed)


def _parsed(location: str) -> tuple[str, Location]:
    return location, Location.model_validate_json(location)


class _Kept(Generic[K, V]):
    """What was made from a key, the last `most` of them (the oldest goes first)."""

    def __init__(self, most: int) -> None:
        self._made: dict[K, V] = {}
        self._most = most

    def get(self, key: K, make: Callable[[K], V]) -> V:
        made = self._made.get(key)
        if made is None:
            if len(self._made) >= self._most:
                del self._made[next(iter(self._made))]
            made = self._made[key] = make(key)
        return made


def steerable(session: Session, location: Location | None) -> SteerableSession:
    evse = (
        next((e for e in (location.evses or []) if ci_equal(e.uid, session.evse_uid)), None)
        if location
        else None
    )
    connector = (
        next((c for c in evse.connectors if ci_equal(c.id, session.connector_id)), None) if evse else None
    )
    electrical = (
        Electrical(
            connector.power_type.value,
            connector.max_voltage,
            connector.max_amperage,
            connector.max_electric_power,
        )
        if connector
        else Electrical("AC_3_PHASE", 230, 16, None)
    )
    capabilities = set(evse.capabilities or []) if evse else set()
    return SteerableSession(
        session_id=session.id,
        ongoing=session.status in (SessionStatus.ACTIVE, SessionStatus.PENDING),
        started_at=session.start_date_time,
        token_owner=(session.cdr_token.country_code, session.cdr_token.party_id),
        location_id=session.location_id,
        evse_uid=session.evse_uid,
        profile_capable=connector is not None and Capability.CHARGING_PROFILE_CAPABLE in capabilities,
        electrical=electrical,
    )
