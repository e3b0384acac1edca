"""Site B of the demo, re-planned step by step with nobody's departure known: the guesses take turns by what
they have taken so far, so a newcomer is served before a car that has charged for hours, and the day
delivers close to what hindsight allowed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from fera.ocpp.simulator import generate_evs
from fera.planning import (
    THREE_PHASE,
    GridGroup,
    Phase,
    Plan,
    PlanningProblem,
    Session,
    apply_min_rates,
    plan,
)
from fera.planning.estimates import SessionStatistics
from fera.planning.profile import TURN
from fera.scsp.planning_turns import TurnBook

START = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)
STEP = timedelta(minutes=15)  # the SCSP's planning step
HOURS = 12.0  # the demo's day: 16 kW, then 8 kW from mid-run (one three-phase car at a time)
HORIZON = int(12 * 3600 / STEP.total_seconds())
# What a car loses of the step in which it starts charging: its station goes up on its own clock, but a
# hand-over nobody planned (a car leaving in its turn) costs a round trip through the nodes.
HAND_OVER = 0.1


def capacity_w(t: datetime) -> float:
    return 16_000.0 if t < START + timedelta(hours=HOURS / 2) else 8_000.0


def day_of(seed: int, count: int = 9) -> list[Session]:
    """The demo's kind of day at one site: the simulator's arrivals, stays, needs and car limits."""
    cars = []
    for i, ev in enumerate(generate_evs(count, START, seed, HOURS)):
        one = ev.max_kw <= 3.7  # single-phase 16 A
        cars.append(
            Session(f"c{i}", ev.arrival, ev.departure, ev.energy_kwh, ev.max_kw * 1e3,
                    1_380.0 if one else 4_140.0, phases=(Phase.L1,) if one else THREE_PHASE,
                    group_id="site")
        )  # fmt: skip
    return cars


def hindsight_kwh(day: list[Session]) -> float:
    """The offline optimum with every departure and need known (as the demo's bound: no minimum rate)."""
    steps = int((max(s.departure for s in day) - START) / STEP) + 1
    site = GridGroup("site", capacity_w=[capacity_w(START + k * STEP) for k in range(steps)])
    result = plan(PlanningProblem(START, STEP, day, [site]))
    return sum(min(result.delivered_kwh(s.id), s.energy_kwh) for s in day)


@dataclass
class Site:
    """The SCSP's view of one site: it learns stays from the cars that left, and guesses the rest."""

    stats: SessionStatistics
    turns: TurnBook[str] = field(default_factory=TurnBook)
    got: dict[str, float] = field(default_factory=dict)
    charging: set[str] = field(default_factory=set)
    left: set[str] = field(default_factory=set)
    plans: list[tuple[datetime, Plan]] = field(default_factory=list)  # every re-plan

    def guessed(self, car: Session, now: datetime) -> Session:
        """As `planning_inputs` plans a car whose driver stated nothing: all it takes until it leaves."""
        departure = max(self.stats.estimate("site", car.arrival, now).departure, now + timedelta(minutes=1))
        holding, waited = self.turns.holding(now), self.turns.waiting(now)
        return replace(
            car, arrival=now, departure=departure, estimated=True,
            energy_kwh=car.max_power_w / 1e3 * (departure - now).total_seconds() / 3600,
            holding=car.id in holding, holding_until=holding.get(car.id),
            waiting_since=waited.get(car.id), charged_kwh=self.got.get(car.id, 0.0),
        )  # fmt: skip

    def step(self, day: list[Session], now: datetime) -> dict[str, float]:
        """One re-plan at `now`; the power each car charges at until the next."""
        for car in day:
            if car.departure <= now and car.id not in self.left:
                self.left.add(car.id)
                self.stats.add("site", car.arrival, car.departure, self.got.get(car.id, 0.0))
        present = [
            c for c in day if c.arrival <= now < c.departure and self.got.get(c.id, 0.0) < c.energy_kwh
        ]
        if not present:
            return {}
        planned = [self.guessed(c, now) for c in present]
        site = GridGroup("site", capacity_w=[capacity_w(now + k * STEP) for k in range(HORIZON)])
        problem = PlanningProblem(now, STEP, planned, [site], horizon_steps=HORIZON)
        result = apply_min_rates(problem, plan(problem))
        self.turns.keep(result, [(s.id, s) for s in planned], now)
        self.plans.append((now, result))
        return {s.id: float(result.schedule(s.id)[0]) for s in planned}

    def deliver(self, day: list[Session], powers: dict[str, float], now: datetime) -> None:
        """Each car takes its power until the next step, its departure, or full."""
        for car in day:
            power = powers.get(car.id, 0.0)
            hours = max(0.0, (min(now + STEP, car.departure) - now).total_seconds() / 3600)
            if power > 0 and car.id not in self.charging:
                hours *= 1 - HAND_OVER
            taken = self.got.get(car.id, 0.0)
            self.got[car.id] = taken + min(power / 1e3 * hours, car.energy_kwh - taken)
        self.charging = {i for i, p in powers.items() if p > 0}


def past_stays() -> SessionStatistics:
    """Three earlier days seen at the site: the SCSP's estimates of stays."""
    stats = SessionStatistics()
    for seed in (100, 101, 102):
        for car in day_of(seed):
            stats.add("site", car.arrival, car.departure, car.energy_kwh)
    return stats


def replayed(day: list[Session]) -> Site:
    site = Site(past_stays())
    now = START
    while now < max(c.departure for c in day):
        site.deliver(day, site.step(day, now), now)
        now += STEP
    return site


def test_a_newcomer_gets_the_next_turn_not_the_car_that_has_charged_for_hours() -> None:
    """Demo car #17: it came at 16:46 beside #7 (there since 11:12) and #15, and left at 17:56 with 0 kWh."""
    long_stay = Session("long", START, START + timedelta(hours=14), 60.0, 7_400, 4_140, group_id="site")
    middle = replace(long_stay, id="middle", arrival=START + timedelta(hours=7), energy_kwh=40.0)
    late = replace(long_stay, id="late", arrival=START + timedelta(hours=9), max_power_w=11_000)
    day = [long_stay, middle, late]
    site = Site(past_stays())
    now, first_turn = START, None
    while now < START + timedelta(hours=12):
        powers = site.step(day, now)
        if first_turn is None and powers.get("late", 0.0) > 0:
            first_turn = now
        site.deliver(day, powers, now)
        now += STEP
    assert first_turn is not None and first_turn - late.arrival <= TURN
    assert site.got["late"] >= 8.0  # a whole turn at the site's 8 kW, less its start
    assert site.got["long"] > site.got["late"]  # the car there all day still had the most


@pytest.mark.parametrize(("seeds", "share"), [(range(0, 4), 0.963), (range(4, 8), 0.985)])
def test_random_days_deliver_close_to_the_hindsight_bound(seeds: range, share: float) -> None:
    """Least taken first delivered 97.4 % of the bound over seeds 0-19, 96.6 % over 0-3 and 98.8 % over 4-7;
    longest waiting first 96.5 %, 96.0 % and 97.9 % (each day's plans are deterministic)."""
    got = bound = 0.0
    for seed in seeds:
        day = day_of(seed)
        got += sum(replayed(day).got.values())
        bound += hindsight_kwh(day)
    assert got >= share * bound


def test_each_hand_over_is_planned_a_step_ahead_though_what_each_car_took_comes_from_its_meter() -> None:
    """Least taken first reorders the line by the kWh each re-plan reads; the cars waiting take nothing,
    so their order holds, and whoever charges next was in the last plan's next step (after the cut, between
    re-plans with the same cars)."""
    checked = 0
    for seed in range(4):
        day = day_of(seed)
        plans = replayed(day).plans
        for (before, last), (now, this) in zip(plans, plans[1:], strict=False):
            if now - before != STEP or now < START + timedelta(hours=HOURS / 2):
                continue
            present = set(this.session_ids)
            if set(last.session_ids) != present:
                continue  # a car came, left or filled up: nobody planned that
            ahead = {i for i in present if last.schedule(i)[1] > 0}
            assert ahead == {i for i in present if this.schedule(i)[0] > 0}, (seed, now)
            checked += 1
    assert checked > 40
