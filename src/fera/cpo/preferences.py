"""The CPO's rule for a driver's ChargingPreferences (pure: the clock and the tariff rule are parameters).

In order:
1. EVSE without CHARGING_PREFERENCES_CAPABLE: `PreferencesNotSupported` (HTTP 404 + OCPI 2001, per spec).
2. Session not ACTIVE or PENDING: NOT_POSSIBLE (finished sessions are unspecified, ocpi/ocpi#365).
3. `profile_type` not offered at the connector: PROFILE_TYPE_NOT_SUPPORTED. Default rule
   (`offered_profile_types`): REGULAR is always offered; CHEAP/FAST/GREEN when one of the connector's
   `tariff_ids` names that type (the id equals it or ends in `-TYPE`/`_TYPE`, e.g. `NL-FCP-GREEN`): the
   spec wants one tariff per type.
4. CHEAP, FAST and GREEN are planned against a deadline and an amount: without `departure_time`
   DEPARTURE_REQUIRED, then without `energy_need` ENERGY_NEED_REQUIRED. REGULAR needs neither.
5. A departure in the past, or an energy need the connector cannot deliver before departure at its maximum
   power: NOT_POSSIBLE. Otherwise ACCEPTED.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fera.ocpi.errors import InvalidParameters
from fera.ocpi.locations.models import EVSE, Capability, Connector, PowerType
from fera.ocpi.sessions.models import ChargingPreferences, ProfileType, Session, SessionStatus
from fera.ocpi.sessions.models import ChargingPreferencesResponse as Response

__all__ = ["PreferencesNotSupported", "evaluate", "max_power_kw", "offered_profile_types"]

PLANNED = (ProfileType.CHEAP, ProfileType.FAST, ProfileType.GREEN)
_PHASES = {
    PowerType.AC_1_PHASE: 1,
    PowerType.AC_2_PHASE: 2,
    PowerType.AC_2_PHASE_SPLIT: 2,
    PowerType.AC_3_PHASE: 3,
}


class PreferencesNotSupported(InvalidParameters):
    """The EVSE is not CHARGING_PREFERENCES_CAPABLE: HTTP 404 with OCPI 2001 (spec)."""

    http_status = 404


def offered_profile_types(connector: Connector) -> set[ProfileType]:
    offered = {ProfileType.REGULAR}
    for tariff in connector.tariff_ids or []:
        name = tariff.upper()
        offered.update(t for t in PLANNED if name == t.value or name.endswith(("-" + t.value, "_" + t.value)))
    return offered


def max_power_kw(connector: Connector) -> float:
    if connector.max_electric_power is not None:
        return connector.max_electric_power / 1000
    phases = _PHASES.get(connector.power_type, 1)
    return connector.max_voltage * connector.max_amperage * phases / 1000


def evaluate(
    session: Session,
    evse: EVSE,
    connector: Connector,
    preferences: ChargingPreferences,
    now: datetime,
    offered: Callable[[Connector], set[ProfileType]] = offered_profile_types,
) -> Response:
    if Capability.CHARGING_PREFERENCES_CAPABLE not in (evse.capabilities or []):
        raise PreferencesNotSupported(f"EVSE {evse.uid} does not accept charging preferences")
    if session.status not in (SessionStatus.ACTIVE, SessionStatus.PENDING):
        return Response.NOT_POSSIBLE
    if preferences.profile_type not in offered(connector):
        return Response.PROFILE_TYPE_NOT_SUPPORTED
    if preferences.profile_type in PLANNED:
        if preferences.departure_time is None:
            return Response.DEPARTURE_REQUIRED
        if preferences.energy_need is None:
            return Response.ENERGY_NEED_REQUIRED
    return Response.ACCEPTED if _feasible(session, connector, preferences, now) else Response.NOT_POSSIBLE


def _feasible(
    session: Session, connector: Connector, preferences: ChargingPreferences, now: datetime
) -> bool:
    if preferences.departure_time is None:
        return True
    hours = (preferences.departure_time - now).total_seconds() / 3600
    if hours <= 0:
        return False
    remaining = (preferences.energy_need or 0.0) - session.kwh
    return remaining <= max_power_kw(connector) * hours
