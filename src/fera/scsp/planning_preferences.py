"""A driver's preferences stated to the steering party reach the CPO too, where OCPI has a way for them.

A driver whose eMSP delegated smart charging to us (topology B) states departure and need to us (its app
calls our admin API). We plan with them, and send them over OCPI to the eMSP that forwarded the session,
as ChargingPreferences on its Sessions Sender (`PUT {sessions}/{session_id}/charging_preferences`, under
the eMSP's session id); the eMSP relays them to the CPO (`emsp/forwarding.py`), so the CPO's site load
management serves the stated need as well. The driver gets the CPO's ChargingPreferencesResponse.

A session a CPO sent us under its contract (topology C) has no such way in OCPI 2.2.1: only the token's
eMSP sets charging preferences, on the CPO (docs/architecture.md, "Drivers' preferences and the SCSP").
We plan with them; nothing is sent.
"""

from __future__ import annotations

from fera.exchange import Exchange
from fera.ocpi.auth import Party
from fera.ocpi.errors import PeerError, UnableToUseClientApi
from fera.ocpi.sessions.models import ChargingPreferences, ChargingPreferencesResponse, Session
from fera.ocpi.types import Role

__all__ = ["to_emsp"]


async def to_emsp(
    exchange: Exchange, partner_id: str, session: Session, preferences: ChargingPreferences
) -> ChargingPreferencesResponse | None:
    """The CPO's answer, relayed by the eMSP that forwarded `session`; None when an eMSP did not forward
    it (a CPO's session under its contract, or our own customer's). A refusal or no answer: 3001."""
    partner = await exchange.partners.find(partner_id)
    party = Party(session.country_code, session.party_id, Role.EMSP)
    if partner is None or not any(p.is_(party.country_code, party.party_id) and p.role is Role.EMSP
                                  for p in partner.parties()):  # fmt: skip
        return None
    url = partner.endpoint("sessions", "SENDER")
    if url is None:
        raise UnableToUseClientApi(f"{partner.name} has no Sessions Sender to take charging preferences")
    target = exchange.target(partner, party, Role.SCSP)
    try:
        return await exchange.sessions_sender.set_charging_preferences(target, url, session.id, preferences)
    except PeerError as exc:  # the eMSP (or the CPO behind it) refused or did not answer: said so
        raise UnableToUseClientApi(str(exc)) from exc
