"""The CPO's Sessions: the Sender interface, the domain API fed by charging events, and the pushes.

Domain API (issue item 5): `start_session`, `meter_values`, `stop_session`. Each change is committed, then
published as `SessionChanged` and pushed (PUT when new, PATCH with `last_updated` afterwards) to the token's
eMSP and to contracted SCSPs. Pushes never block or fail the change.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime

from fera.cpo._recipients import session_recipients
from fera.cpo._session_push import session_push
from fera.cpo.preferences import evaluate
from fera.cpo.visibility import preferences_owner, session_visibility
from fera.exchange import Exchange
from fera.exchange._objects import find_connector, find_evse
from fera.exchange.hubs import parties_behind
from fera.exchange.outbox import Outgoing
from fera.keyed_locks import KeyedLocks
from fera.ocpi.auth import Caller, Party
from fera.ocpi.errors import InvalidParameters, NotFound, OcpiError, UnknownLocation
from fera.ocpi.locations.models import Location
from fera.ocpi.pagination import Page, PageQuery
from fera.ocpi.sessions.models import (
    AuthMethod,
    CdrDimension,
    CdrDimensionType,
    CdrToken,
    ChargingPeriod,
    ChargingPreferences,
    ChargingPreferencesResponse,
    Session,
    SessionPatch,
    SessionStatus,
    apply_patch,
)
from fera.ocpi.types import Role
from fera.partners import Partner
from fera.sessions_events import PreferencesChanged, SessionChanged
from fera.store import UnitOfWork
from fera.store.group import GroupCommit
from fera.store.records import StoredSession, Window

__all__ = ["CpoSessions"]

Partners = Sequence[Partner]
_Behind = Mapping[str, tuple[Party, ...]]
_Outcome = tuple[Session, SessionPatch] | OcpiError  # a reading applied, or why it was refused
_ONGOING = (SessionStatus.ACTIVE, SessionStatus.PENDING, SessionStatus.RESERVATION)


class CpoSessions:
    """Implements `SessionsSender` for the CPO role."""

    def __init__(self, exchange: Exchange) -> None:
        self._ex = exchange
        self._locks: KeyedLocks[str] = KeyedLocks()  # one writer per session
        # Readings that arrive together are written in one transaction (a station is answered once its
        # reading is committed, so nothing acknowledged is lost).
        self._readings: GroupCommit[_Reading, Session | OcpiError] = GroupCommit(self._write_readings)
        # Each ongoing session as this process last wrote it: its next reading is applied to it without a
        # read, and written only while its row is still so (`rewrite_own`; else read and applied again).
        self._held: dict[str, Session] = {}

    @property
    def party(self) -> Party:
        party = self._ex.config.party(Role.CPO)
        assert party is not None, "the CPO role is hosted"
        return party

    # -- Sender interface -----------------------------------------------------------------------------------
    async def list(self, caller: Caller, query: PageQuery) -> Page:
        visibility = session_visibility(caller.acting_for(), self._ex.config.contracts)
        async with self._ex.store.reading() as uow:  # the stored wire JSON, nothing to commit
            return await uow.sessions.wire_page(None, visibility, _window(query))

    async def set_charging_preferences(
        self, caller: Caller, session_id: str, preferences: ChargingPreferences
    ) -> ChargingPreferencesResponse:
        async with self._ex.store.unit_of_work() as uow:
            stored = await uow.sessions.own(session_id)
            location = None if stored is None else await uow.locations.own(stored.session.location_id)
        if stored is None or not self._visible(caller, stored.session) or location is None:
            raise NotFound("Unknown session")
        if not preferences_owner(caller.acting_for(), stored.session):
            raise NotFound("Only the eMSP of the session's token sets its driver's charging preferences")
        evse = find_evse(location, stored.session.evse_uid)
        connector = None if evse is None else find_connector(evse, stored.session.connector_id)
        if evse is None or connector is None:
            raise NotFound("The session's EVSE is unknown")
        result = evaluate(stored.session, evse, connector, preferences, self._ex.now())
        if result is ChargingPreferencesResponse.ACCEPTED:
            await self._accept(stored.session, preferences)
        return result

    # -- domain API -----------------------------------------------------------------------------------------
    async def start_session(
        self,
        *,
        token: CdrToken,
        location_id: str,
        evse_uid: str,
        connector_id: str,
        at: datetime | None = None,
        session_id: str | None = None,
        status: SessionStatus = SessionStatus.ACTIVE,
        auth_method: AuthMethod = AuthMethod.WHITELIST,
        authorization_reference: str | None = None,
        currency: str = "EUR",
        meter_id: str | None = None,
    ) -> Session:
        """A new session at one of our connectors (UnknownLocation, 2003, if there is no such connector)."""
        at = at or self._ex.now()
        session = Session(
            country_code=self.party.country_code,
            party_id=self.party.party_id,
            id=session_id or str(uuid.uuid4()),
            start_date_time=at,
            kwh=0.0,
            cdr_token=token,
            auth_method=auth_method,
            authorization_reference=authorization_reference,
            location_id=location_id,
            evse_uid=evse_uid,
            connector_id=connector_id,
            meter_id=meter_id,
            currency=currency,
            charging_periods=[],
            status=status,
            last_updated=at,
        )
        # Read before the unit of work: a refill of the partners held in memory is a read of its own, and
        # one nested in a writing unit of work waits for a connection the waiting writers may all hold.
        partners = await self._ex.partners.known()
        behind = await parties_behind(self._ex.store, partners)
        async with self._ex.store.unit_of_work() as uow:
            _check_connector(await uow.locations.own(session.location_id), session)
            if await uow.sessions.own(session.id) is not None:
                raise InvalidParameters(f"session {session.id} exists")
            await uow.sessions.put(session, None)
            pushes = await self._stage(uow, session, None, partners, behind)
        self._hold(session)
        await self._publish(session, None, pushes)
        return session

    async def meter_values(
        self,
        session_id: str,
        *,
        kwh: float,
        at: datetime | None = None,
        power_kw: float | None = None,
        current_a: float | None = None,
    ) -> Session:
        """A reading: total `kwh` so far, plus the average power/current since the previous reading.

        Appends one ChargingPeriod from the previous reading (or the start) with ENERGY = the kWh since then,
        and POWER (kW) / CURRENT (A) when given. A PENDING session becomes ACTIVE. Written with the other
        readings that arrive meanwhile, in one transaction (`GroupCommit`).
        """
        at = at or self._ex.now()
        outcome = await self._readings(
            _Reading(session_id, lambda s: _reading(s, kwh, at, power_kw, current_a))
        )
        if isinstance(outcome, OcpiError):
            raise outcome
        return outcome

    async def stop_session(
        self, session_id: str, *, at: datetime | None = None, kwh: float | None = None
    ) -> Session:
        """The session ends (COMPLETED); a final `kwh` adds the last period like a reading."""
        return await self._change(session_id, lambda s: _stop(s, at or self._ex.now(), kwh))

    async def session(self, session_id: str) -> StoredSession | None:
        async with self._ex.store.unit_of_work() as uow:
            return await uow.sessions.own(session_id)

    async def announce(self, partner: Partner) -> None:
        """PUT every session the partner may see (after a registration)."""
        visibility = session_visibility(partner.parties(), self._ex.config.contracts)
        offset, total = 0, 1
        while offset < total:
            async with self._ex.store.unit_of_work() as uow:
                page = await uow.sessions.page(None, visibility, Window(offset, 500))
                pushes = [o for s in page.items for o in self._outgoing(s, None, [partner])]
                await self._ex.outbox.stage(uow, pushes)
            self._ex.outbox.send(pushes)
            offset, total = offset + max(len(page.items), 1), page.total

    # -- internals ----------------------------------------------------------------------------------------
    async def _change(self, session_id: str, make: Callable[[Session], SessionPatch]) -> Session:
        partners = await self._ex.partners.known()  # before the unit of work (see `start_session`)
        behind = await parties_behind(self._ex.store, partners)
        async with self._locks[session_id.upper()], self._ex.store.unit_of_work() as uow:
            stored = await uow.sessions.own(session_id)
            if stored is None:
                raise NotFound(f"Unknown session {session_id}")
            patch = make(stored.session)
            updated = apply_patch(stored.session, patch)
            await uow.sessions.put(updated, None)
            pushes = await self._stage(uow, updated, patch, partners, behind)
        self._hold(updated)  # committed (a held session is one whose row is so)
        await self._publish(updated, patch, pushes)
        return updated

    async def _write_readings(self, group: Sequence[_Reading]) -> builtins.list[Session | OcpiError]:
        """One transaction for a group of readings (several may be of one session: applied in turn); each
        one's outcome, the session as changed or why it was refused."""
        partners = await self._ex.partners.known()  # before the unit of work (see `start_session`)
        behind = await parties_behind(self._ex.store, partners)
        ids = {r.session_id.upper() for r in group}
        async with AsyncExitStack() as locks:
            for session_id in sorted(ids):  # one order: no deadlock
                await locks.enter_async_context(self._locks[session_id])
            try:
                outcomes, pushes = await self._readings_once(group, self._held_of(ids), partners, behind)
            except _Stale:  # written elsewhere since we held it: read them all this time
                for session_id in ids:
                    self._held.pop(session_id, None)
                outcomes, pushes = await self._readings_once(group, {}, partners, behind)
            for outcome in outcomes:
                if isinstance(outcome, tuple):
                    self._hold(outcome[0])
        changed = iter(pushes)
        for outcome in outcomes:
            if isinstance(outcome, tuple):
                await self._publish(*outcome, next(changed))
        return [o[0] if isinstance(o, tuple) else o for o in outcomes]

    async def _readings_once(
        self, group: Sequence[_Reading], held: dict[str, Session], partners: Partners, behind: _Behind
    ) -> tuple[builtins.list[_Outcome], builtins.list[builtins.list[Outgoing]]]:
        """The group applied to its sessions (those `held` as this process last wrote them, the others read)
        and written in one transaction, each reading's pushes staged with them; `_Stale` (nothing written)
        when a held session's row was written elsewhere since."""
        async with self._ex.store.unit_of_work() as uow:
            missing = {r.session_id.upper() for r in group} - held.keys()
            stored = await uow.sessions.own_many(missing) if missing else {}
            latest = held | {key: found.session for key, found in stored.items()}
            outcomes = [_apply(reading, latest) for reading in group]
            changed = {o[0].id.upper(): o[0] for o in outcomes if isinstance(o, tuple)}
            was = {key: held[key].last_updated for key in changed if key in held}
            if changed and not await uow.sessions.rewrite_own(builtins.list(changed.values()), was):
                raise _Stale
            pushes = [  # each reading's pushes, in order, written with the readings in one statement
                self._outgoing(*o, partners, behind) for o in outcomes if isinstance(o, tuple)
            ]
            await self._ex.outbox.stage(uow, [o for each in pushes for o in each])
        return outcomes, pushes

    def _held_of(self, ids: set[str]) -> dict[str, Session]:
        return {key: self._held[key] for key in ids if key in self._held}

    def _hold(self, session: Session) -> None:
        """The session as this process wrote it, for its next reading (none once it has ended)."""
        if session.status in _ONGOING:
            self._held[session.id.upper()] = session
        else:
            self._held.pop(session.id.upper(), None)

    async def _stage(
        self,
        uow: UnitOfWork,
        session: Session,
        patch: SessionPatch | None,
        partners: Partners,
        behind: Mapping[str, tuple[Party, ...]],
    ) -> builtins.list[Outgoing]:
        """The change's pushes, written with it on a shared database (`Outbox.stage`)."""
        pushes = self._outgoing(session, patch, partners, behind)
        await self._ex.outbox.stage(uow, pushes)
        return pushes

    async def _publish(
        self, session: Session, patch: SessionPatch | None, pushes: Sequence[Outgoing]
    ) -> None:
        self._ex.outbox.send(pushes)
        await self._ex.events.publish(SessionChanged(session, None, patch))

    def _outgoing(
        self,
        session: Session,
        patch: SessionPatch | None,
        partners: Partners,
        behind: Mapping[str, tuple[Party, ...]] | None = None,
    ) -> builtins.list[Outgoing]:
        # A reading may wait (`session_update_interval_s`); a new session or a new status goes out at once.
        held = patch is not None and patch.status is None
        return [
            session_push(self._ex.outbox, r, session, patch, held)
            for r in session_recipients(self._ex, partners, session, behind)
        ]

    async def _accept(self, session: Session, preferences: ChargingPreferences) -> None:
        async with self._ex.store.unit_of_work() as uow:
            await uow.sessions.set_preferences(session, preferences)
        event = PreferencesChanged(
            session.id,
            preferences,
            session.country_code,
            session.party_id,
            session.location_id,
            session.evse_uid,
        )
        await self._ex.events.publish(event)

    def _visible(self, caller: Caller, session: Session) -> bool:
        return session_visibility(caller.acting_for(), self._ex.config.contracts).sees_session(session)


class _Stale(Exception):
    """A held session's row was written elsewhere since this process wrote it."""


@dataclass(frozen=True)
class _Reading:
    session_id: str
    make: Callable[[Session], SessionPatch]  # the change, computed from the session as stored


def _apply(reading: _Reading, latest: dict[str, Session]) -> tuple[Session, SessionPatch] | OcpiError:
    """The reading applied to its session as changed so far in the group, or why it is refused."""
    key = reading.session_id.upper()
    session = latest.get(key)
    try:
        if session is None:
            raise NotFound(f"Unknown session {reading.session_id}")
        patch = reading.make(session)
    except OcpiError as exc:
        return exc
    latest[key] = apply_patch(session, patch)
    return latest[key], patch


def _check_connector(location: Location | None, session: Session) -> None:
    evse = None if location is None else find_evse(location, session.evse_uid)
    if evse is None or find_connector(evse, session.connector_id) is None:
        where = f"{session.location_id}/{session.evse_uid}/{session.connector_id}"
        raise UnknownLocation(f"No connector {where}")


def _window(query: PageQuery) -> Window:
    return Window(query.offset, query.limit, query.date_from, query.date_to)


def _period(
    session: Session, at: datetime, kwh: float, power_kw: float | None, current_a: float | None
) -> ChargingPeriod:
    if kwh < session.kwh:
        raise InvalidParameters(f"kwh {kwh} is below the session's {session.kwh}")
    dims = [CdrDimension(type=CdrDimensionType.ENERGY, volume=round(kwh - session.kwh, 4))]
    if power_kw is not None:
        dims.append(CdrDimension(type=CdrDimensionType.POWER, volume=power_kw))
    if current_a is not None:
        dims.append(CdrDimension(type=CdrDimensionType.CURRENT, volume=current_a))
    return ChargingPeriod(start_date_time=session.last_updated, dimensions=tuple(dims))


def _reading(
    session: Session, kwh: float, at: datetime, power_kw: float | None, current_a: float | None
) -> SessionPatch:
    if session.status not in _ONGOING:
        raise InvalidParameters(f"session {session.id} is {session.status.value}")
    fields: dict[str, object] = {
        "kwh": kwh,
        "charging_periods": [_period(session, at, kwh, power_kw, current_a)],
        "last_updated": at,
    }
    if session.status is not SessionStatus.ACTIVE:  # spec: start_date_time moves when charging starts
        fields |= {"status": SessionStatus.ACTIVE, "start_date_time": at}
    return SessionPatch.model_validate(fields)


def _stop(session: Session, at: datetime, kwh: float | None) -> SessionPatch:
    if session.status not in _ONGOING:
        raise InvalidParameters(f"session {session.id} is {session.status.value}")
    periods = [] if kwh is None or kwh == session.kwh else [_period(session, at, kwh, None, None)]
    return SessionPatch(
        status=SessionStatus.COMPLETED,
        end_date_time=at,
        kwh=session.kwh if kwh is None else kwh,
        charging_periods=periods or None,
        last_updated=at,
    )
