"""A session's ActiveChargingProfile on the CPO: computed from every input, sent to the station, pushed.

The push obligation (spec 6.4.2): whenever the active profile changes, PUT it (60 minutes ahead) to every
sender that has successfully set a profile on the session, and to no one else; with nothing left, the EVSE's
maximum. "Changed" is decided on the inputs (each sender's profile and the local limit), which fix the result.

Who limits the session, and when, is kept with each push (`limiters`, `limited_by`): OCPI's
ActiveChargingProfile has no field for it, but an operator asking "why does this car get 0" needs it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fera.charging import (
    EVSE_MAXIMUM,
    LOCAL_LIMIT,
    RateProfile,
    Schedule,
    limiting,
    schedule_from_profile,
    session_limit,
    write_profile,
)
from fera.charging.site import early_drops
from fera.cpo.chargingprofiles.local_limits import LocalLimits
from fera.cpo.chargingprofiles.ocpp import tx_profile
from fera.cpo.chargingprofiles.sessions import SteerableSession
from fera.cpo.chargingprofiles.stations import StationRouter
from fera.cpo.chargingprofiles.writes import Writes
from fera.ocpi.chargingprofiles.client import ChargingProfilesSenderClient
from fera.ocpi.chargingprofiles.models import (
    ActiveChargingProfile,
    ChargingProfile,
    ChargingProfilePeriod,
    ChargingProfileResultType,
    ChargingRateUnit,
)
from fera.ocpi.errors import PeerError
from fera.ocpi.types import Role
from fera.partners import PartnerService
from fera.smartcharging.model import SenderProfile, SenderProfileChange
from fera.store.group import GroupCommit
from fera.store.protocols import Store, UnitOfWork

__all__ = [
    "PUSH_HORIZON_S",
    "ActiveProfiles",
    "Limiter",
    "SessionInputs",
    "Snapshot",
    "rate_profile",
    "to_active_profile",
]

log = logging.getLogger(__name__)
PUSH_HORIZON_S = 3600
Limiter = tuple[datetime, str]  # from this instant on: a sender's partner id, LOCAL_LIMIT or EVSE_MAXIMUM
Result = ChargingProfileResultType


def to_active_profile(
    limit: Schedule, session: SteerableSession, start: datetime, horizon: int
) -> ActiveChargingProfile:
    written = write_profile(limit, session.electrical, start, horizon)
    periods = [ChargingProfilePeriod(start_period=s, limit=v) for s, v in written.periods]
    profile = ChargingProfile(
        charging_rate_unit=ChargingRateUnit(written.charging_rate_unit),
        duration=horizon,
        charging_profile_period=periods,
    )
    return ActiveChargingProfile(start_date_time=start, charging_profile=profile)


def rate_profile(raw: dict[str, Any]) -> RateProfile:
    """The stored OCPI profile as the pure charging code takes it."""
    profile = ChargingProfile.model_validate(raw)
    return RateProfile(
        start_date_time=profile.start_date_time,
        duration=profile.duration,
        charging_rate_unit=profile.charging_rate_unit.value,
        min_charging_rate=profile.min_charging_rate,
        periods=tuple((p.start_period, p.limit) for p in profile.charging_profile_period or ()),
    )


@dataclass(frozen=True)
class SessionInputs:
    """A session's inputs as read once: every sender's row (cleared ones too, by partner) and the
    fingerprint of the last push. A job reads them once and carries them to its refresh."""

    held: tuple[SenderProfile, ...]
    last_pushed: dict[str, Any] | None

    def profiles(self, exclude: str | None = None) -> list[RateProfile]:
        return [
            rate_profile(p.profile) for p in self.held if p.profile is not None and p.partner_id != exclude
        ]

    def holds(self, partner_id: str) -> bool:
        return any(p.partner_id == partner_id and p.profile is not None for p in self.held)

    def with_profile(self, partner_id: str, profile: dict[str, Any] | None, at: datetime) -> SessionInputs:
        """After `keep_in` wrote it (same rule: a clear keeps `set_at`)."""
        rows = {p.partner_id: p for p in self.held}
        old = rows.get(partner_id)
        set_at = at if profile is not None else (old.set_at if old else None)
        session_id = old.session_id if old else (self.held[0].session_id if self.held else "")
        rows[partner_id] = SenderProfile(
            session_id, partner_id, profile, set_at, old.last_request_at if old else at
        )
        return SessionInputs(tuple(rows[k] for k in sorted(rows)), self.last_pushed)


@dataclass(frozen=True)
class Snapshot:
    """A session's inputs as a transaction read them, and the moment (`Writes.now`) before that transaction
    began: while this process wrote no inputs of the session since, nothing changed them (one process,
    SQLite), and a job may use them instead of reading them again."""

    inputs: SessionInputs
    generation: int


class ActiveProfiles:
    def __init__(
        self,
        store: Store,
        stations: StationRouter,
        partners: PartnerService,
        client: ChargingProfilesSenderClient,
        local_limits: LocalLimits,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store, self._stations, self._partners, self._client = store, stations, partners, client
        self.local_limits, self._clock = local_limits, now
        # Jobs running at once read their inputs, and record their pushes, one transaction for all.
        self._reading = GroupCommit(self._read_inputs)
        self._recording = GroupCommit(self._record_pushes)
        self._written = Writes()  # which sessions' inputs this process wrote, and when

    def generations(self, session_ids: Iterable[str]) -> dict[str, int]:
        """Taken before a transaction that reads inputs begins (see `Snapshot`)."""
        moment = self._written.now()
        return {i.upper(): moment for i in session_ids}

    def written(self, session_ids: Iterable[str]) -> None:
        """Inputs of these sessions were just committed (a kept profile, a push)."""
        self._written.wrote(session_ids)

    async def snapshots(
        self, uow: UnitOfWork, session_ids: Sequence[str], generations: dict[str, int]
    ) -> dict[str, Snapshot]:
        """The inputs of `session_ids` read in `uow`, keyed by upper-cased id."""
        inputs = await self._inputs_in(uow, session_ids)
        return {
            i.upper(): Snapshot(x, generations[i.upper()]) for i, x in zip(session_ids, inputs, strict=True)
        }

    def still(self, snapshot: Snapshot | None, session_id: str) -> SessionInputs | None:
        """The snapshot's inputs if nothing wrote the session's inputs since it was read."""
        if snapshot is None or self._written.since(session_id, snapshot.generation):
            return None
        return snapshot.inputs

    def _now(self) -> datetime:
        """Profiles start on a whole second: OCPP and OCPI periods are whole seconds from the start."""
        return self._clock().replace(microsecond=0)

    async def inputs(self, session_id: str) -> SessionInputs:
        return await self._reading(session_id)

    async def _read_inputs(self, session_ids: Sequence[str]) -> list[SessionInputs]:
        async with self._store.reading() as uow:  # one statement: no transaction needed for one snapshot
            return await self._inputs_in(uow, session_ids)

    async def _inputs_in(self, uow: UnitOfWork, session_ids: Sequence[str]) -> list[SessionInputs]:
        held, last = await uow.sender_profiles.inputs_of(session_ids)
        by_session: dict[str, list[SenderProfile]] = {}
        for row in sorted(held, key=lambda p: p.partner_id):
            by_session.setdefault(row.session_id, []).append(row)
        return [SessionInputs(tuple(by_session.get(i, ())), last.get(i)) for i in session_ids]

    async def _record_pushes(self, pushes: Sequence[tuple[str, dict[str, Any], datetime]]) -> list[None]:
        async with self._store.unit_of_work() as uow:
            await uow.sender_profiles.set_pushed_many(pushes)
        self.written(session_id for session_id, _, _ in pushes)
        return [None] * len(pushes)

    async def sender_profiles(self, session_id: str, exclude: str | None = None) -> list[RateProfile]:
        held = await self._held(session_id)
        return [rate_profile(p.profile) for p in held if p.profile is not None and p.partner_id != exclude]

    def steering(self, session: SteerableSession | None) -> AbstractAsyncContextManager[None]:
        """Its site's lock (shared sites), for a caller that sends and then keeps a sender's profile."""
        return nullcontext() if session is None else self.local_limits.steering(session)

    async def send(self, session: SteerableSession, profiles: list[RateProfile]) -> Result:
        """One TxProfile with the minimum of everything, or a clear when nothing limits the session.

        A session that is over has no transaction left to steer (OCPP TxProfiles die with it): REJECTED."""
        if not session.ongoing:
            return Result.REJECTED
        async with self.local_limits.steering(session):
            return await self._send(session, profiles)

    async def _send(self, session: SteerableSession, profiles: list[RateProfile]) -> Result:
        binding = await self._stations.binding(session.session_id, session.evse_uid)
        local = await self.local_limits.for_session(session)
        if not profiles and local is None:
            outcome = await binding.link.clear_tx_profile(
                binding.station_id, binding.evse_id, binding.transaction_id
            )
            return Result.REJECTED if outcome.value == "REJECTED" else Result.ACCEPTED
        limit = session_limit(profiles, session.electrical, session.started_at, local)
        if local is not None:
            # A managed site: this session's steps down come DROP_LEAD before another's steps up at the
            # same instant, whatever the skew between the stations' clocks.
            limit = early_drops(limit)
        now = self._now()
        profile = tx_profile(
            limit, session.electrical, binding.evse_id, binding.transaction_id, _profile_id(session), now
        )
        if local is not None:
            await self.local_limits.sending(session, limit)
        outcome = await binding.link.set_tx_profile(
            binding.station_id, binding.evse_id, binding.transaction_id, profile
        )
        if local is not None:
            await self.local_limits.sent(session, limit, outcome.value == "ACCEPTED")
        return Result(outcome.value)

    async def keep_in(
        self, uow: UnitOfWork, kept: Sequence[tuple[str, str, dict[str, Any] | None]]
    ) -> datetime:
        """Senders' profiles on sessions, (session_id, partner_id, profile) each (None: cleared), within
        the caller's unit of work, a statement run for all; when they were kept."""
        at, now = self._now(), self._clock()
        await uow.sender_profiles.set_profiles(kept, at)
        # The history an operator reads on the dashboard: the row above only keeps the latest.
        await uow.sender_profiles.add_changes([SenderProfileChange(s, p, now, x) for s, p, x in kept])
        return at

    async def from_station(self, session: SteerableSession, duration: int) -> ActiveChargingProfile | None:
        if not session.ongoing:
            return None
        binding = await self._stations.binding(session.session_id, session.evse_uid)
        unit = "W" if session.electrical.power_type == "DC" else "A"
        composite = await binding.link.get_composite_schedule(
            binding.station_id, binding.evse_id, duration, unit
        )
        if composite is None:
            return None
        periods = [
            ChargingProfilePeriod(start_period=p.start_period, limit=p.limit) for p in composite.periods
        ]
        profile = ChargingProfile(
            charging_rate_unit=ChargingRateUnit(composite.unit),
            duration=composite.duration or duration,
            charging_profile_period=periods,
        )
        return ActiveChargingProfile(start_date_time=composite.start, charging_profile=profile)

    async def current(self, session: SteerableSession) -> ActiveChargingProfile:
        """What the session gets from now on, computed from the inputs (no station round trip)."""
        profiles = await self.sender_profiles(session.session_id)
        return self._active(session, profiles, await self.local_limits.for_session(session))

    def _active(
        self, session: SteerableSession, profiles: list[RateProfile], local: Schedule | None
    ) -> ActiveChargingProfile:
        limit = session_limit(profiles, session.electrical, session.started_at, local)
        return to_active_profile(limit, session, self._now(), PUSH_HORIZON_S)

    async def refresh(self, session: SteerableSession, inputs: SessionInputs | None = None) -> None:
        """Push the active profile to every sender that ever set one, if its inputs changed since.

        `inputs`: as the caller knows them now (else read here). Callers hold the session's lock
        (`ProfileApplier`), so the read and the later write don't race."""
        inputs = inputs or await self.inputs(session.session_id)
        held, last = inputs.held, inputs.last_pushed
        setters = [p.partner_id for p in held if p.set_at is not None]
        if not setters:
            return
        local = await self.local_limits.for_session(session)
        fingerprint = _fingerprint([p.profile for p in held if p.profile is not None], local)
        if last is not None and last.get("inputs") == fingerprint:
            return
        at = self._clock()  # to the microsecond: a limit that held for under a second still shows
        history = [x for x in _limiters(last) if x[0] < at]
        ahead = _limiting(session, list(held), local, at)
        record = {"inputs": fingerprint, "limiting": _encode(_merged(history + ahead))}
        await self._recording((session.session_id, record, self._now()))
        profiles = [rate_profile(p.profile) for p in held if p.profile is not None]
        active = self._active(session, profiles, local)
        for partner_id in setters:
            await self._push(partner_id, session.session_id, active)

    async def limiters(self, session: SteerableSession) -> list[Limiter]:
        """Who limits the session from now on (the next PUSH_HORIZON_S), from current inputs."""
        held = await self._held(session.session_id)
        local = await self.local_limits.for_session(session)
        return _limiting(session, held, local, self._clock())

    async def limited_by(self, session_id: str) -> list[Limiter]:
        """Who limited the session and from when, as recorded with every change of its inputs."""
        async with self._store.unit_of_work() as uow:
            return _limiters(await uow.sender_profiles.last_pushed(session_id))

    async def _push(self, partner_id: str, session_id: str, active: ActiveChargingProfile) -> None:
        try:
            target, endpoint = await self._partners.target(
                partner_id, "chargingprofiles", "SENDER", from_role=Role.CPO
            )
            await self._client.put_active_profile(target, endpoint, session_id, active)
        except (PeerError, LookupError) as exc:
            log.warning("ActiveChargingProfile of %s not delivered to %s: %s", session_id, partner_id, exc)

    async def _held(self, session_id: str, including_cleared: bool = False) -> list[SenderProfile]:
        async with self._store.unit_of_work() as uow:
            rows = await uow.sender_profiles.for_session(session_id)
        rows.sort(key=lambda p: p.partner_id)
        return rows if including_cleared else [p for p in rows if p.profile is not None]


def _limiting(
    session: SteerableSession, held: list[SenderProfile], local: Schedule | None, now: datetime
) -> list[Limiter]:
    electrical, origin = session.electrical, session.started_at
    named = [(EVSE_MAXIMUM, Schedule.constant(float(electrical.max_power_w)))]
    named += [
        (p.partner_id, schedule_from_profile(rate_profile(p.profile), electrical, origin))
        for p in held
        if p.profile is not None
    ]
    if local is not None:  # after the senders: a share equal to a sender's limit is that sender's cap
        named.append((LOCAL_LIMIT, local))
    return limiting(named, now, now + timedelta(seconds=PUSH_HORIZON_S))


def _merged(limiters: list[Limiter]) -> list[Limiter]:
    out: list[Limiter] = []
    for t, who in limiters:
        if not out or out[-1][1] != who:
            out.append((t, who))
    return out


def _encode(limiters: list[Limiter]) -> list[list[str]]:
    return [[t.isoformat(), who] for t, who in limiters]


def _limiters(record: dict[str, Any] | None) -> list[Limiter]:
    return [(datetime.fromisoformat(t), who) for t, who in (record or {}).get("limiting", [])]


def _fingerprint(profiles: list[dict[str, Any]], local: Schedule | None) -> str:
    local_points = None if local is None else [(t.isoformat(), v) for t, v in local.breakpoints()]
    text = json.dumps({"senders": profiles, "local": local_points}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _profile_id(session: SteerableSession) -> int:
    """A stable OCPP profile id per session, so each new TxProfile replaces the previous one."""
    return int(hashlib.sha256(session.session_id.upper().encode()).hexdigest()[:7], 16)
