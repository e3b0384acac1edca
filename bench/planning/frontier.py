"""The euro site's energy/cost frontier: how much cost the room held for predicted arrivals buys energy with.

Two knobs, on the same seeds as `euro`: FERA (foresight)'s reserve (`euro.RESERVE`, room held per urgency
class for the cars history predicts) scaled from 0 (that is plain LP-MPC: no room held) up, and the scenario
MPC's `PlanningProblem.scenario_weight` (what a scenario car's kWh is worth next to a present car's). Every
point is an online policy with the same information (the present cars, and the history of other days); the
tables show, per seed, the least cost of a point on issue 11's energy target (99.5 % of the hindsight bound)
and the most energy of a point at LP-MPC's own cost: whether any setting is ahead of LP-MPC on both.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from bench.planning import euro
from bench.planning.euro_data import EuroData, load
from bench.planning.euro_site import SITE_AMPS, Site, draw
from fera.planning import SessionStatistics

SCALES = (0.25, 0.5, 0.75, 1.0, 1.25)  # times `euro.RESERVE`; 1.0 is the `euro` table's FERA (foresight)
WEIGHTS = (0.01, 0.0125, 0.02, 0.03)  # `scenario_weight`; the `euro` table's scenario MPC: the default 0.05
TARGET = 99.5  # % of the hindsight energy bound

Knob = tuple[str, Callable[[Site, SessionStatistics], euro.Policy]]


def reserve_knobs() -> list[Knob]:
    def scaled(scale: float) -> Callable[[Site, SessionStatistics], euro.Policy]:
        return lambda site, seen: euro.fera(site, seen, SITE_AMPS, tuple(scale * r for r in euro.RESERVE))

    return [(f"reserve x{s:g}", scaled(s)) for s in SCALES]


def weight_knobs() -> list[Knob]:
    def weighted(weight: float) -> Callable[[Site, SessionStatistics], euro.Policy]:
        return lambda site, seen: euro.scenario_mpc(site, seen, SITE_AMPS, weight)

    return [(f"weight {w:g}", weighted(w)) for w in WEIGHTS]


def points(data: EuroData, seed: int, knobs: list[Knob]) -> list[euro.Row]:
    """LP-MPC, then one row per knob setting."""
    site = draw(data, seed)
    best = euro.bound(site, SITE_AMPS)
    seen = euro.history(data, seed)
    rows = [euro.measure("LP-MPC", site, best, euro.fera(site, None, SITE_AMPS), SITE_AMPS)]
    for name, policy in knobs:
        rows.append(euro.measure(name, site, best, policy(site, seen), SITE_AMPS))
        row = rows[-1]
        print(f"seed {seed} {name}: {row.energy_pct:.2f} % at {row.cost_pct:+.2f} %", file=sys.stderr)
    return rows


def verdict(rows: list[euro.Row]) -> tuple[str, str]:
    """Least cost of a point at the energy target, and most energy of a point at LP-MPC's cost."""
    lp_mpc, others = rows[0], rows[1:]
    on_target = [r.cost_pct for r in others if r.energy_pct >= TARGET]
    cheap = [r.energy_pct for r in others if r.cost_pct <= lp_mpc.cost_pct]
    return (
        f"{min(on_target):+.2f} %" if on_target else "none",
        f"{max(cheap):.2f} %" if cheap else "none",
    )


def table(data: EuroData, seeds: range, knobs: list[Knob]) -> list[str]:
    names = " | ".join(name for name, _ in knobs)
    lines = [
        f"| seed | LP-MPC | {names} | least cost at >= {TARGET} % | most energy at LP-MPC's cost |",
        "|---|---|" + "---|" * len(knobs) + "---|---|",
    ]
    for seed in seeds:
        rows = points(data, seed, knobs)
        least, most = verdict(rows)
        cells = " | ".join(f"{r.energy_pct:.2f} % / {r.cost_pct:+.2f} %" for r in rows)
        lines.append(f"| {seed} | {cells} | {least} | {most} |")
    return lines


def run(quick: bool, seeds: int = 5) -> list[str]:
    data = load()
    chosen = range(1, (2 if quick else seeds) + 1)
    return [
        f"Cells: % of hindsight energy / cost over the same-energy hindsight optimum. FERA (foresight), its"
        f" reserve {euro.RESERVE} scaled:",
        "",
        *table(data, chosen, reserve_knobs()),
        "",
        "The scenario MPC by `scenario_weight`:",
        "",
        *table(data, chosen, weight_knobs()),
    ]
