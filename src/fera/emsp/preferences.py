"""A driver states a departure and an energy need: the eMSP sends them to the CPO of the driver's ongoing
session (OCPI Sessions, PUT `{sessions_url}/{session_id}/charging_preferences`), and its own planner, when it
steers that session itself (`steer_own_customers`), plans with them from then on (`PreferencesStated`),
whatever the CPO answers: the driver's departure is theirs, not the CPO's.

The driver is known by the token they charge with (an app knows its user's token, not the CPO's session
id). The CPO's answer (ChargingPreferencesResponse) is returned as it came; a CPO that refuses the call
(e.g. HTTP 404 + 2001: the EVSE takes no preferences) or does not answer: `UnableToUseClientApi` (3001).
"""

from __future__ import annotations

from fera.exchange import Exchange
from fera.ocpi.auth import Party
from fera.ocpi.errors import NotFound, PeerError, UnableToUseClientApi
from fera.ocpi.sessions.models import ChargingPreferences, ChargingPreferencesResponse
from fera.ocpi.types import Role
from fera.sessions_events import PreferencesStated

__all__ = ["EmspPreferences"]


class EmspPreferences:
    def __init__(self, exchange: Exchange) -> None:
        self._ex = exchange

    async def state(self, token_uid: str, preferences: ChargingPreferences) -> ChargingPreferencesResponse:
        """Sent for the token's newest ongoing session (NotFound, 2003/404, when it has none)."""
        async with self._ex.store.unit_of_work() as uow:
            ongoing = await uow.sessions.ongoing_of_token(token_uid)
        stored = next((s for s in ongoing if s.partner_id is not None), None)
        if stored is None or stored.partner_id is None:
            raise NotFound(f"No ongoing session of token {token_uid}")
        cpo = await self._ex.partners.find(stored.partner_id)
        url = None if cpo is None else cpo.endpoint("sessions", "SENDER")
        if cpo is None or url is None:
            raise NotFound(f"The CPO of token {token_uid}'s session takes no charging preferences")
        session = stored.session
        await self._ex.events.publish(PreferencesStated(stored.partner_id, session, preferences))
        target = self._ex.target(cpo, Party(session.country_code, session.party_id, Role.CPO), Role.EMSP)
        try:
            return await self._ex.sessions_sender.set_charging_preferences(
                target, url, session.id, preferences
            )
        except PeerError as exc:  # the CPO refused or did not answer: said so, not a stack trace
            raise UnableToUseClientApi(str(exc)) from exc
