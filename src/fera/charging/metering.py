"""What a session's meter data says about the car: how many phases it really draws on (pure).

OCPI carries no phase count, but a session's charging periods do carry POWER (kW, total) and CURRENT (A, per
phase) when the station meters them: a car drawing I amps on n phases draws P = n x I x V. A single-phase
car on a three-phase EVSE shows P ≈ I x V.
"""

from __future__ import annotations

from fera.ocpi.sessions.models import CdrDimensionType, Session

__all__ = ["MIN_METERED_AMPS", "car_phases"]

MIN_METERED_AMPS = 1.0  # below this the ratio says nothing (a car idling, or a rounding artefact)


def car_phases(session: Session, voltage: float, evse_phases: int) -> int | None:
    """The phases the car draws on, from the newest period with both POWER and CURRENT; None: unknown.

    Never more than the EVSE has: a car can't use phases the EVSE doesn't supply.
    """
    for period in reversed(session.charging_periods or []):
        volumes = {d.type: d.volume for d in period.dimensions}
        power_kw, amps = volumes.get(CdrDimensionType.POWER), volumes.get(CdrDimensionType.CURRENT)
        if power_kw is None or amps is None or amps < MIN_METERED_AMPS or power_kw <= 0:
            continue
        phases = round(power_kw * 1000 / (amps * voltage))
        return max(1, min(phases, evse_phases))
    return None
