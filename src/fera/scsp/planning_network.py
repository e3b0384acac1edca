"""A site's network (`[[sites]]`' `network`) as the planner's line-current limits (pure).

A single-phase EVSE connected across lines A and B draws P/V at the angle of the voltage V_AB (+30° in a
positive sequence with V_AN at 0°: unity power factor, a car's charger draws in phase), and that current
leaves line A and returns by line B. Each secondary line's current is the phasor sum of what its EVSEs
draw: I_A = I_AB − I_CA + I_AN, I_B = I_BC − I_AB + I_BN, I_C = I_CA − I_BC + I_CN. Its magnitude is what
the transformer's line limit holds (`fera.planning.CurrentLimit`, a second-order cone the planner holds by
cuts): on an unbalanced site two delta branches sharing a line add at 60° (√3 for equal loads), not in phase.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Sequence

from fera.config import LineConnection, NetworkConfig, SiteConfig
from fera.ocpi.types import ci_equal
from fera.planning import CurrentLimit

__all__ = ["LINES", "site_currents"]

LINES = ("A", "B", "C")
_ANGLE_DEG = {"A": 0.0, "B": -120.0, "C": 120.0, "AB": 30.0, "BC": -90.0, "CA": 150.0}


def _line_share(connection: LineConnection, line: str) -> int:
    """+1 where the EVSE's current leaves by this line, −1 where it returns by it, 0 elsewhere."""
    if len(connection) == 1:
        return 1 if connection == line else 0
    return 1 if connection[0] == line else -1 if connection[1] == line else 0


def per_watt(network: NetworkConfig, connection: LineConnection, line: str) -> complex:
    """The current (A, a phasor) one watt drawn at an EVSE so connected puts on `line`."""
    share = _line_share(connection, line)
    if share == 0:
        return 0j
    volts = network.voltage if len(connection) == 2 else network.voltage / math.sqrt(3)
    return share * cmath.exp(1j * math.radians(_ANGLE_DEG[connection])) / volts


def site_currents(
    sites: Sequence[SiteConfig], sessions: Sequence[tuple[str, str, str]]
) -> list[CurrentLimit]:
    """The line-current limits of every configured network with a session at one of its EVSEs; `sessions`:
    (planned session id, location id, EVSE uid). Each limit names its sessions by their planned id."""
    out: list[CurrentLimit] = []
    for k, site in enumerate(sites):
        network = site.network
        if network is None:
            continue
        here = [
            (sid, connection)
            for sid, location, evse in sessions
            if ci_equal(location, site.location) and (connection := _connection(network, evse)) is not None
        ]
        if not here:
            continue
        for line in LINES:
            coefficients = {sid: per_watt(network, c, line) for sid, c in here if _line_share(c, line)}
            if coefficients:
                out.append(
                    CurrentLimit(
                        f"{site.location.upper()}#{k + 1} line {line}", coefficients, network.line_amps
                    )
                )
    return out


def _connection(network: NetworkConfig, evse_uid: str) -> LineConnection | None:
    return next((c for uid, c in network.evses.items() if ci_equal(uid, evse_uid)), None)
