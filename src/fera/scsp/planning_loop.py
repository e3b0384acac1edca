"""The steering loop: plan every session this party steers, send the profiles, keep them right.

Re-plans on arrivals, departures, preferences, signals and ActiveChargingProfiles showing a session held
below its plan (triggers within `debounce_s` make one, but a car that was charging and left goes at once: the
site waits for the next car's profile; the LP runs in a worker thread). Changed profiles are
sent, and soon again one not in force at the CPO (`planning_resends`); TOO_OFTEN backs off, a refusal ends it.

Every meter reading is kept with the limit the CPO applied then (`DrawLog`): a car drawing far below its
limit is planned at about its draw, one that stopped drawing is taken as full. A session that reaches us by
two paths (a CPO's contract and an eMSP's delegation) is steered on one of them (`planning_paths`); a profile
sent on the other before we knew is cleared.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from pydantic import ValidationError

from fera.clock import Clock
from fera.config import SiteConfig
from fera.events import EventBus
from fera.ocpi.chargingprofiles.models import ActiveChargingProfile, ChargingProfile
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import ChargingPreferences, Session, SessionStatus
from fera.planning import PlanningProblem, SessionStatistics, apply_min_rates, plan, to_charging_profile
from fera.planning.profile import top_up
from fera.scsp.planning_cars import SKEW, learned, observed_car_amps
from fera.scsp.planning_draw import CarDraw, DrawLog, last_current_a
from fera.scsp.planning_grid import GroupCapacity, capacity_steps
from fera.scsp.planning_history import PlanHistory
from fera.scsp.planning_holds import Holds
from fera.scsp.planning_inputs import (
    MAX_HORIZON_STEPS,
    Known,
    SessionKey,
    build_problem,
    electrical_of,
    kept_at_hold,
    plan_id,
    to_ocpi_profile,
    token_of,
)
from fera.scsp.planning_known import KnownSessions, LocationKey, location_key
from fera.scsp.planning_paths import one_path
from fera.scsp.planning_profiles import held_at, lowest_offered, offered_at, same_from
from fera.scsp.planning_resends import Resends, carries
from fera.scsp.planning_state import LatestPlan
from fera.scsp.planning_turns import TurnBook
from fera.sessions_events import LocationChanged, SessionChanged
from fera.signals import SignalKind, step_values
from fera.signals.board import SignalBoard, SignalsChanged
from fera.smartcharging.events import ActiveProfileReceived, ProfileRequestFinished
from fera.smartcharging.model import RequestKind, RequestState
from fera.smartcharging.sender import ProfileSender

__all__ = ["SteeringPlanner"]

log = logging.getLogger(__name__)
ONGOING = (SessionStatus.ACTIVE, SessionStatus.PENDING)
ACTIVES_KEPT = 16  # ActiveChargingProfiles kept per session: more than its readings' span (two steps) needs
Selects = Callable[[str, Session], bool]


class SteeringPlanner:
    def __init__(
        self,
        sender: ProfileSender,
        events: EventBus,
        signals: SignalBoard,
        clock: Clock,
        selects: Selects,
        *,
        step: timedelta = timedelta(minutes=15),
        debounce_s: float = 0.3,
        backoff_s: float = 60.0,
        sites: Sequence[SiteConfig] = (),
        published: Callable[[SteeringPlanner], Awaitable[None]] | None = None,
    ) -> None:
        self._sender, self._signals, self._clock, self._selects = sender, signals, clock, selects
        self._published = published or (lambda _: asyncio.sleep(0))  # told after each re-plan (the view)
        self.sites = list(sites)  # the sites it plans by contract: limits per phase, sub-boards, wiring
        self.car_amps: dict[SessionKey, float] = {}  # the most current each car was seen to take
        self.step, self._debounce, self._backoff = step, debounce_s, backoff_s
        self.known = KnownSessions()
        self.locations: dict[LocationKey, Location] = {}
        self.stats = SessionStatistics()
        self.sent: dict[SessionKey, ChargingProfile] = {}
        self.latest: LatestPlan | None = None
        self.history = PlanHistory()  # what was planned, still shown once the sessions are gone
        self._blocked: dict[SessionKey, float] = {}  # TOO_OFTEN: monotonic time until which we don't send
        self._refused: set[SessionKey] = set()
        self.resends = Resends(step)  # plans that did not reach the CPO: sent again (`planning_resends`)
        self.holds = Holds(step)  # the CPO's holds: planned with once they last (`planning_holds`)
        self.draws = DrawLog(step)
        self.active: dict[SessionKey, ActiveChargingProfile] = {}  # the last one each CPO pushed
        self.actives: dict[SessionKey, list[ActiveChargingProfile]] = {}  # the recent ones, as they came
        self.shadowed: dict[SessionKey, SessionKey] = {}  # a copy of a session -> the copy we steer
        self.sent_before: dict[SessionKey, ChargingProfile | None] = {}  # what we sent before `sent`
        self.turns: TurnBook[SessionKey] = TurnBook()  # whose turn it is where guesses take turns
        self._dirty, self._idle, self._hurry = asyncio.Event(), asyncio.Event(), asyncio.Event()
        self._idle.set()
        self._worker: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        for event_type, listener in (
            (SessionChanged, self._on_session),
            (LocationChanged, self._on_location),
            (SignalsChanged, self._on_signals),
            (ProfileRequestFinished, self._on_request),
            (ActiveProfileReceived, self._on_active_profile),
        ):
            events.subscribe(event_type, listener)  # type: ignore[arg-type]

    # -- lifecycle and triggers --------------------------------------------------------------------
    async def start(self) -> None:
        self._worker = asyncio.get_running_loop().create_task(self._run())
        self.poke()

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)

    def reset(self) -> None:
        """Forget every session (a process that plans again relearns them from the database)."""
        for key in {*self.known, *self.sent, *self.shadowed}:
            self._forget(key)
        self.known.clear()
        self.stats = SessionStatistics()  # relearnt with the sessions (`restore`): not counted twice
        self.latest = None

    def poke(self) -> None:
        self._idle.clear()
        self._dirty.set()

    async def settle(self, timeout: float = 30.0) -> None:
        """Until no re-plan is pending or running (tests, demo reports)."""
        async with asyncio.timeout(timeout):
            await self._idle.wait()

    async def set_preferences(self, key: SessionKey, preferences: ChargingPreferences) -> bool:
        known = self.known.get(key)
        if known is None:
            return False
        self.known[key] = replace(known, preferences=preferences)
        self.poke()
        return True

    # -- event listeners ---------------------------------------------------------------------------
    async def _on_session(self, event: SessionChanged) -> None:
        partner, session = event.source_partner_id, event.session
        if partner is None or not self._selects(partner, session):
            return
        key = (partner, session.id)
        if session.status in ONGOING:
            old = self.known.get(key)
            arrived = old is None or old.session.status != session.status
            location = self.locations.get(
                location_key(session.country_code, session.party_id, session.location_id)
            )
            self.known[key] = (
                Known(key, session, location, None)
                if old is None
                else replace(old, session=session, location=location or old.location)
            )
            self._record(key, session)
            if not arrived:
                if old is not None and learned(old.session, session, electrical_of(self.known[key])):
                    self.poke()  # its meter showed the car's phases: capacity to plan anew
                return  # meter progress: the next periodic re-plan accounts for it (no request storm)
        elif self.known.pop(key, None) is not None:
            end = session.end_date_time or self._clock.now()
            if key not in self.shadowed:  # a copy of a charge is learnt from once
                self.stats.add(
                    session.location_id, session.start_date_time, end, session.kwh, token=token_of(session)
                )
            if self._charging_alone(key):
                self._hurry.set()
            self._forget(key)
        self.poke()

    async def _on_location(self, event: LocationChanged) -> None:
        loc = event.location
        if event.source_partner_id is None:
            return
        where = location_key(loc.country_code, loc.party_id, loc.id)
        self.locations[where] = loc
        # A session may reach us before its location (the CPO pushes both at once): planned until now as a
        # connector of unknown ratings, it is planned anew with its own (an EVSE status change is not).
        changed = False
        for key in self.known.at(where):
            known = self.known[key]
            self.known[key] = replace(known, location=loc)
            changed = changed or electrical_of(self.known[key]) != electrical_of(known)
        if changed:
            self.poke()

    async def _on_signals(self, event: SignalsChanged) -> None:
        self.poke()

    async def _on_request(self, event: ProfileRequestFinished) -> None:
        request = event.request
        key = (request.partner_id, request.session_id)
        if request.kind is not RequestKind.SET or key not in self.known or request.upstream_partner_id:
            return
        if request.response == "TOO_OFTEN":
            self._blocked[key] = time.monotonic() + self._backoff
            self.sent.pop(key, None)
            asyncio.get_running_loop().call_later(self._backoff, self.poke)
        elif request.state is RequestState.REFUSED:
            self._refused.add(key)  # UNKNOWN_SESSION, REJECTED, NOT_SUPPORTED: not ours to steer
        elif request.result_type == "ACCEPTED":
            self.resends.applied(key)
        elif carries(request, self.sent.get(key)):  # not in force (REJECTED, no result, unreachable): resend
            del self.sent[key]
            asyncio.get_running_loop().call_later(self.resends.failed(key), self.poke)

    async def _on_active_profile(self, event: ActiveProfileReceived) -> None:
        """Held below what we sent (a local limit at the CPO)? Planned with once it lasts (`Holds`)."""
        key = (event.partner_id, event.session_id)
        if key in self.known:
            self.active[key] = event.profile
            self.actives[key] = [*self.actives.get(key, [])[-(ACTIVES_KEPT - 1) :], event.profile]
        known, sent = self.known.get(key), self.sent.get(key)
        if known is None or sent is None:
            return
        now = self._clock.now()
        held_w = held_at(event.profile, sent, self.sent_before.get(key), electrical_of(known), now)
        if self.holds.seen(key, held_w, now):  # the CPO let it go: plan it in full again
            self.poke()

    def _charging_alone(self, key: SessionKey) -> bool:
        """Planned to charge now, and no other copy of its charge here (whose end may follow at once)."""
        planned = None if self.latest is None else self.latest.planned_w(plan_id(key), self._clock.now())
        copies = key in self.shadowed or key in self.shadowed.values()
        return not copies and planned is not None and planned > 0

    def _record(self, key: SessionKey, session: Session) -> None:
        """A meter reading, with the limit the CPO's last ActiveChargingProfile set at its time."""
        electrical, at = electrical_of(self.known[key]), session.last_updated
        offered = offered_at(self.actives.get(key, []), electrical, at)
        amps = last_current_a(session)
        current = None if amps is None else electrical.amps_to_watts(amps)
        self.draws.record(key, at, session.kwh, offered, current)

    def _forget(self, key: SessionKey) -> None:
        self.car_amps.pop(key, None)
        self.draws.forget(key)
        self.active.pop(key, None)
        self.actives.pop(key, None)
        self.shadowed.pop(key, None)
        self.sent_before.pop(key, None)
        self.turns.forget(key)
        self.sent.pop(key, None)
        self._blocked.pop(key, None)
        self.holds.forget(key)
        self.resends.applied(key)
        self._refused.discard(key)

    # -- planning ----------------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            await self._dirty.wait()
            with suppress(TimeoutError):  # coalesce a burst of triggers into one re-plan, unless in a hurry
                async with asyncio.timeout(self._debounce):  # not wait_for: on 3.11 it can swallow a cancel
                    await self._hurry.wait()
            self._dirty.clear()
            self._hurry.clear()
            try:
                await self.replan()
            except Exception:
                log.exception("re-plan failed")
            self._arm_periodic()
            if not self._dirty.is_set():
                self._idle.set()

    def _arm_periodic(self) -> None:
        """Plans roll forward even when nothing happens: one re-plan per step."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(self._clock.real_seconds(self.step), self.poke)

    async def replan(self) -> LatestPlan | None:
        # Plans start on the step grid, so re-plans within one step share their periods (and an unchanged
        # plan is recognised as such instead of being re-sent shifted by a few seconds).
        now = _floor(self._clock.now(), self.step)
        known = await self._steered()
        if not known:
            self.latest = None
            await self._published(self)
            return None
        problem = await self._problem(known, now)
        result = await asyncio.to_thread(lambda: apply_min_rates(problem, plan(problem)))
        # The forecast is what is planned; the profiles leave the cars charging now the room left (`top_up`).
        self.latest = replace(LatestPlan.of(problem, result, now), plan=top_up(problem, result))
        self.history.record(self.latest)
        self._keep_turns(now)
        await self._send_changes(known, now)
        await self._published(self)  # after the sends: the view's write must not delay the cars' profiles
        return self.latest

    async def _steered(self) -> list[Known]:
        """One copy per charge, with what its readings taught us; profiles sent on a dropped copy cleared."""
        now = self._clock.now()
        for k in self.known.values():  # pushes that came late tell what the CPO allowed at earlier readings
            self.draws.restate(k.key, partial(offered_at, self.actives.get(k.key, []), electrical_of(k)))
        held = self.holds.in_force(now)
        learnt = [replace(k, draw=self._learn(k, now), held_w=held.get(k.key)) for k in self.known.values()]
        steered, self.shadowed = one_path(learnt)
        for key in [k for k in self.shadowed if k in self.sent]:
            del self.sent[key]
            await self._sender.clear_profile(key[0], key[1])
        return steered

    def _learn(self, k: Known, now: datetime) -> CarDraw:
        actives, electrical = self.actives.get(k.key, []), electrical_of(k)

        def lowest(start: datetime, end: datetime) -> float | None:  # a station leads the CPO's pushes
            return lowest_offered(actives, electrical, start - SKEW, end + SKEW)

        return self.draws.learn(k.key, now, electrical.min_rate_w, lowest)

    async def _problem(self, known: list[Known], now: datetime) -> PlanningProblem:
        departures = [
            k.preferences.departure_time for k in known if k.preferences and k.preferences.departure_time
        ]
        horizon_h = max([(d - now).total_seconds() / 3600 for d in departures] + [12.0])
        steps = min(MAX_HORIZON_STEPS, max(1, math.ceil(horizon_h * 3600 / self.step.total_seconds())))
        capacity: dict[str, GroupCapacity] = {}
        for location in {k.session.location_id.upper() for k in known}:
            limits = await self._signals.limits(location)
            if limits is not None:
                capacity[location] = capacity_steps(limits, now, self.step, steps)
        series = await self._signals.series(None)
        price = step_values(series, SignalKind.PRICE, now, self.step, steps, default=0.0)
        co2 = step_values(series, SignalKind.GHG, now, self.step, steps, default=0.0)
        for k in known:
            sent, before, actives = (
                self.sent.get(k.key),
                self.sent_before.get(k.key),
                self.actives.get(k.key, []),
            )
            evse_amps = float(electrical_of(k).max_amperage)
            amps = observed_car_amps(k.session, sent, self.car_amps.get(k.key), evse_amps, actives, before)
            if amps is not None:
                self.car_amps[k.key] = amps
        return build_problem(
            known,
            self.stats,
            now,
            self.step,
            capacity,
            price,
            co2,
            self.sites,
            self.car_amps,
            self.turns.holding(now),
            self.turns.waiting(now),
        )

    async def _send_changes(self, known: list[Known], now: datetime) -> None:
        assert self.latest is not None
        changed: list[tuple[SessionKey, ChargingProfile]] = []
        for k in known:
            if k.key in self._refused or self._blocked.get(k.key, 0.0) > time.monotonic():
                continue
            electrical, session = electrical_of(k), self.latest.session(plan_id(k.key))
            if kept_at_hold(k, session, float(self.latest.plan.schedule(session.id)[0])):
                continue
            planned = to_charging_profile(
                self.latest.plan,
                session,
                voltage_v=electrical.max_voltage,
                dc=electrical.power_type == "DC",
                min_amps=electrical.min_amps,
            )
            try:
                profile = to_ocpi_profile(planned)
            except ValidationError as exc:  # one unsendable plan must not keep the others from being sent
                log.warning("the plan for %s is not a ChargingProfile a CPO takes: %s", k.key, exc)
                continue
            if not same_from(self.sent.get(k.key), profile, now):
                self.sent_before[k.key] = self.sent.get(k.key)
                self.sent[k.key] = profile
                changed.append((k.key, profile))
        gate = asyncio.Semaphore(8)

        async def send(key: SessionKey, profile: ChargingProfile) -> None:
            async with gate:
                await self._sender.set_profile(key[0], key[1], profile)

        await asyncio.gather(*(send(key, profile) for key, profile in changed))

    def _keep_turns(self, now: datetime) -> None:
        assert self.latest is not None
        ids = {plan_id(k): k for k in self.known}
        sessions = [(ids[s.id], s) for s in self.latest.problem.sessions if s.id in ids]
        self.turns.keep(self.latest.plan, sessions, now)


def _floor(t: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=t.tzinfo)
    return t - (t - epoch) % step
