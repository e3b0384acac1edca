"""Caltech ACN (see `acn`) with a time-of-use price: FERA CHEAP online, alone and with arrivals learnt online,
against LLF, EDF and the offline LP bound, for energy (% of the bound) and cost per kWh.

Every policy is replayed every 5 minutes and knows only the cars present (each states its departure and
energy on arrival, as in `acn`); the price of every period is known in advance, as a tariff's is. FERA's
expected arrivals come from a `SessionStatistics` fed, at period t, only the sessions that arrived and left
before t's (local) day began: learnt online, no look-ahead.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from bench.planning.acn import (
    BASE,
    PERIOD,
    PMAX_KW,
    Evs,
    Foresight,
    Policy,
    Result,
    fera_policy,
    load,
    offline_bound,
    replay,
    sort_policy,
)
from bench.planning.baselines import Floats, edf_order, llf_order
from bench.planning.price import RESERVE
from fera.planning import Session, SessionStatistics

TZ = ZoneInfo("America/Los_Angeles")  # Caltech, Pasadena: SCE territory
BUCKET = timedelta(hours=1)  # expected arrivals per hour: 5-minute fluid cars would multiply the LP by 12

# Southern California Edison, business EV charging above 20 kW (Schedule TOU-EV-8; sce.com "Electric Car
# Business Rates"), with SCE's time-of-use periods since 2019: summer (June-September) on-peak 4-9 pm on
# weekdays, mid-peak 4-9 pm on weekends and holidays, off-peak otherwise; winter (October-May) every day
# mid-peak 4-9 pm, super-off-peak 8 am-4 pm, off-peak 9 pm-8 am. The USD/kWh figures are ILLUSTRATIVE (of
# the tariff's order of magnitude, not checked against its sheet); no demand or facility charges, no holidays
# (March has none).
SUMMER = range(6, 10)
RATES = {
    ("summer", "on-peak"): 0.33,
    ("summer", "mid-peak"): 0.22,
    ("summer", "off-peak"): 0.12,
    ("winter", "mid-peak"): 0.27,
    ("winter", "super-off-peak"): 0.08,
    ("winter", "off-peak"): 0.13,
}


def local(period: int) -> datetime:
    """Wall-clock time at Caltech at the start of `period` (DST included: periods are absolute time)."""
    return (BASE + period * PERIOD).astimezone(TZ)


def tou(at: datetime) -> tuple[str, str]:
    """(season, period) of a local time under the tariff above."""
    evening = 16 <= at.hour < 21
    if at.month in SUMMER:
        if evening:
            return "summer", "on-peak" if at.weekday() < 5 else "mid-peak"
        return "summer", "off-peak"
    if evening:
        return "winter", "mid-peak"
    return "winter", "super-off-peak" if 8 <= at.hour < 16 else "off-peak"


def tariff(periods: int) -> Floats:
    """USD/kWh per period from 0."""
    return np.array([RATES[tou(local(p))] for p in range(periods)])


def day_start(t: int) -> int:
    """The period at which t's local day began."""
    midnight = local(t).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - BASE) // PERIOD


def learner(evs: Evs) -> Callable[[int], SessionStatistics]:
    """The statistics at period t: every session that arrived and left before t's day began, none after
    (t must not decrease from call to call)."""
    stats = SessionStatistics()
    by_departure = np.argsort(evs.departure, kind="stable").tolist()
    learnt = 0

    def at(t: int) -> SessionStatistics:
        nonlocal learnt
        start = day_start(t)
        while learnt < len(by_departure) and evs.departure[by_departure[learnt]] <= start:
            i = by_departure[learnt]
            stats.add("site", local(int(evs.arrival[i])), local(int(evs.departure[i])), float(evs.energy[i]))
            learnt += 1
        return stats

    return at


def foresight(evs: Evs) -> Foresight:
    """The usual arrivals (as `price`: per-class reserve, hourly buckets) until the last present car leaves:
    later ones compete with nobody the plan decides for now."""
    seen = learner(evs)

    def expected(t: int, present: np.ndarray) -> Sequence[Session]:
        return seen(t).expected_sessions(
            "site", local(t), BASE + int(evs.departure[present].max()) * PERIOD, PERIOD,
            max_power_w=PMAX_KW * 1e3, group_id="site", reserve=RESERVE, bucket=BUCKET,
        )  # fmt: skip

    return expected


def _progress(label: str, policy: Policy) -> Policy:
    """`policy`, telling stderr when each replayed day begins."""
    began, day = time.perf_counter(), [-1]

    def wrapped(t: int, present: np.ndarray, need: Floats) -> Floats:
        if day_start(t) != day[0]:
            day[0] = day_start(t)
            when = f"{local(t):%a %d %b}, {time.perf_counter() - began:.0f} s"
            print(f"  acnprice: {label}: {when}", file=sys.stderr, flush=True)
        return policy(t, present, need)

    return wrapped


def _row(cap: float, r: Result, requested: float, bound: Result) -> str:
    ms = np.array(r.replan_s) * 1e3
    timing = f"{ms.mean():.1f}" if r.name.startswith("FERA") else "—"
    per_kwh, bound_per_kwh = r.cost / r.delivered, bound.cost / bound.delivered
    return (
        f"| {cap:.0f} kW | {r.name} | {100 * r.delivered / requested:.2f} | "
        f"{100 * r.delivered / bound.delivered:.2f} | {r.cost:.2f} | {per_kwh:.4f} | "
        f"{r.cost / bound.cost:.3f} | {per_kwh / bound_per_kwh:.3f} | {timing} |"
    )


def one_capacity(evs: Evs, cap: float, price: Floats) -> list[Result]:
    bound = offline_bound(evs, cap, price)
    print(f"  acnprice: {cap:.0f} kW bound in {bound.replan_s[0]:.1f} s", file=sys.stderr, flush=True)
    alone: list[float] = []
    ahead: list[float] = []
    policies = [
        ("FERA (CHEAP, online)", fera_policy(evs, cap, alone, price)),
        ("FERA (CHEAP, online, expected arrivals)", fera_policy(evs, cap, ahead, price, foresight(evs))),
        ("least-laxity-first", sort_policy(evs, cap, llf_order)),
        ("earliest-deadline-first", sort_policy(evs, cap, edf_order)),
    ]
    results = [  # the sorting rules take a second: progress for FERA only
        replay(evs, name, _progress(f"{cap:.0f} kW {name}", p) if name.startswith("FERA") else p, price)
        for name, p in policies
    ]
    results[0].replan_s, results[1].replan_s = alone, ahead
    return [*results, bound]


def run(quick: bool) -> list[str]:
    evs = load(days=7 if quick else None)
    requested = float(evs.energy.sum())
    price = tariff(int(evs.departure.max()) + 1)
    winter = ", ".join(f"{k[1]} {v:.2f}" for k, v in RATES.items() if k[0] == "winter")
    lines = [
        f"ACN Caltech 2019-03{' (first 7 days)' if quick else ''}: {evs.energy.size} sessions, "
        f"{requested:.1f} kWh requested, EV max {PMAX_KW} kW, one aggregate limit, 5-minute re-plans over "
        "the whole horizon (to the last present departure).",
        "Price: SCE TOU-EV-8 periods (winter: super-off-peak 8 am-4 pm, mid-peak 4-9 pm, off-peak 9 pm-8 am, "
        f"local time), **illustrative rates** (USD/kWh: {winter}), energy only. Expected arrivals: "
        f"`SessionStatistics` learnt online from the days before (none on the first day), reserve {RESERVE}, "
        f"{BUCKET.seconds // 60}-minute buckets. The bound: most energy, then least cost, every car known.",
        "",
        "| capacity | algorithm | delivered % of requested | % of bound | cost USD | USD/kWh | cost vs bound"
        " | USD/kWh vs bound | mean re-plan ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for cap in (20.0, 30.0, 40.0):
        results = one_capacity(evs, cap, price)
        lines += [_row(cap, r, requested, results[-1]) for r in results]
        print(f"  acnprice: {cap:.0f} kW done", file=sys.stderr, flush=True)
    return lines
