"""What the CPO's ChargingProfiles code asks about a session: where it charges, with what hardware, and
whether a caller may steer it."""

from __future__ import annotations

from dataclasses import dataclass

from fera.cpo.visibility import steering_party
from fera.exchange import Exchange
from fera.exchange._objects import find_connector, find_evse
from fera.ocpi.auth import Caller
from fera.ocpi.locations.models import EVSE, Connector, Location
from fera.ocpi.sessions.models import ChargingPreferences, Session

__all__ = ["CpoSessionQuery", "SessionContext"]


@dataclass(frozen=True)
class SessionContext:
    """One of our sessions with its EVSE and Connector (capabilities, power_type, max_voltage, max_amperage,
    max_electric_power) and the driver's accepted preferences. EVSE/Connector are None if since removed."""

    session: Session
    location: Location | None
    evse: EVSE | None
    connector: Connector | None
    preferences: ChargingPreferences | None


class CpoSessionQuery:
    def __init__(self, exchange: Exchange) -> None:
        self._ex = exchange

    async def context(self, session_id: str) -> SessionContext | None:
        async with self._ex.store.unit_of_work() as uow:
            stored = await uow.sessions.own(session_id)
            location = None if stored is None else await uow.locations.own(stored.session.location_id)
        if stored is None:
            return None
        evse = None if location is None else find_evse(location, stored.session.evse_uid)
        connector = None if evse is None else find_connector(evse, stored.session.connector_id)
        return SessionContext(stored.session, location, evse, connector, stored.preferences)

    def may_steer(self, caller: Caller, session: Session) -> bool:
        """The token's owner (CdrToken country_code/party_id is an eMSP role of the caller), or an SCSP
        role of the caller whose contract covers the session's location."""
        return steering_party(caller.acting_for(), session, self._ex.config.contracts) is not None
