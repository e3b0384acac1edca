"""Sorting heuristics written in the same harness as FERA: earliest-deadline-first and least-laxity-first.

Both hand out power greedily in their order, each session taking what it can use now within what is left
of the total limit and, when `phase_kw` is given, of each phase (phase-aware; None gives a total-only one).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]


def greedy(
    order: NDArray[np.int64], want_kw: Floats, share: Floats, total_kw: float, phase_kw: float | None
) -> Floats:
    rates = np.zeros(want_kw.size)
    left_total = total_kw
    left_phase = np.full(3, np.inf if phase_kw is None else phase_kw)
    for i in order:
        on = share[i] > 0
        room = min(left_total, float(np.min(left_phase[on] / share[i][on])))
        rate = max(0.0, min(float(want_kw[i]), room))
        rates[i] = rate
        left_total -= rate
        left_phase -= rate * share[i]
    return rates


def edf_order(departure: Floats, remaining_kwh: Floats, pmax_kw: Floats, now: float) -> NDArray[np.int64]:
    return np.argsort(departure, kind="stable")


def llf_order(departure: Floats, remaining_kwh: Floats, pmax_kw: Floats, now: float) -> NDArray[np.int64]:
    """Laxity in hours: time left minus the time needed at full power."""
    return np.argsort((departure - now) - remaining_kwh / pmax_kw, kind="stable")


def greedy_limits(
    order: NDArray[np.int64], want_kw: Floats, share: Floats, limits: list[tuple[Floats, float]]
) -> Floats:
    """`greedy` under several per-phase limits: (0/1 membership per session, kW per phase) each."""
    rates = np.zeros(want_kw.size)
    left = [np.full(3, cap) for _, cap in limits]
    for i in order:
        on = share[i] > 0
        room = min(
            (float(np.min(lf[on] / share[i][on])) for (m, _), lf in zip(limits, left, strict=True) if m[i]),
            default=np.inf,
        )
        rate = max(0.0, min(float(want_kw[i]), room))
        rates[i] = rate
        for (m, _), lf in zip(limits, left, strict=True):
            if m[i]:
                lf -= rate * share[i]
    return rates
