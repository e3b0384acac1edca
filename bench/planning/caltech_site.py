"""Caltech's ACN garage as a network of line-current limits (our description of acnportal's `caltech_acn`).

54 EVSEs at 208 V, each connected line-to-line (delta) on the secondary of a three-phase transformer:
between lines A and B (phasor angle +30°), B and C (−90°) or C and A (+150°). A session of p W draws
p/208 A at its EVSE's angle. The secondary line currents are differences of the delta branch currents,
I_a = I_AB − I_CA, I_b = I_BC − I_AB, I_c = I_CA − I_BC, each limited to cap/3/120 V; the primary (277 V
delta to 120 V wye, so a 4:1 current ratio) sees I_A = (I_a − I_c)/4 and its rotations, each limited to
cap/3/277 V. Two pods of 8 EVSEs share an 80 A breaker each (all on A–B, so an in-phase sum).
"""

from __future__ import annotations

import cmath
import math

from fera.planning import CurrentLimit

VOLTS = 208.0
POD_A = 80.0
_CC_POD = ["CA-322", "CA-493", "CA-496", "CA-320", "CA-495", "CA-321", "CA-323", "CA-494"]
_AV_POD = ["CA-324", "CA-325", "CA-326", "CA-327", "CA-489", "CA-490", "CA-491", "CA-492"]
BRANCHES: dict[str, list[str]] = {
    "AB": [f"CA-{n}" for n in (308, 508, 303, 513, 310, 506, 316, 500, 318, 498)] + _AV_POD + _CC_POD,
    "BC": [f"CA-{n}" for n in (304, 512, 305, 511, 313, 503, 311, 505, 317, 499, 148, 149, 212, 213)],
    "CA": [f"CA-{n}" for n in (307, 509, 309, 507, 306, 510, 315, 501, 319, 497, 312, 504, 314, 502)],
}
ANGLE_DEG = {"AB": 30.0, "BC": -90.0, "CA": 150.0}
# Secondary line currents as sums of branch currents (+1 / −1), then primary ones as sums of secondary ones.
_SECONDARY = {"a": {"AB": 1, "CA": -1}, "b": {"BC": 1, "AB": -1}, "c": {"CA": 1, "BC": -1}}
_PRIMARY = {"A": {"a": 0.25, "c": -0.25}, "B": {"b": 0.25, "a": -0.25}, "C": {"c": 0.25, "b": -0.25}}


def _per_evse(branch_weights: dict[str, float]) -> dict[str, complex]:
    """A per W drawn at each EVSE for a line that sums the given branches with these weights."""
    out: dict[str, complex] = {}
    for branch, weight in branch_weights.items():
        phasor = cmath.exp(1j * math.radians(ANGLE_DEG[branch])) / VOLTS
        for evse in BRANCHES[branch]:
            out[evse] = out.get(evse, 0) + weight * phasor
    return out


def currents(transformer_kw: float) -> list[CurrentLimit]:
    """The eight limits of the site: two pods, three secondary and three primary line currents."""
    limits = [
        CurrentLimit("CC pod", dict.fromkeys(_CC_POD, 1 / VOLTS), POD_A),
        CurrentLimit("AV pod", dict.fromkeys(_AV_POD, 1 / VOLTS), POD_A),
    ]
    secondary_a, primary_a = transformer_kw * 1e3 / 3 / 120, transformer_kw * 1e3 / 3 / 277
    for line, branches in _SECONDARY.items():
        limits.append(CurrentLimit(f"secondary {line}", _per_evse(dict(branches)), secondary_a))
    for line, lines in _PRIMARY.items():
        weights: dict[str, float] = {}
        for sec, w in lines.items():
            for branch, b in _SECONDARY[sec].items():
                weights[branch] = weights.get(branch, 0.0) + w * b
        limits.append(CurrentLimit(f"primary {line}", _per_evse(weights), primary_a))
    return limits
