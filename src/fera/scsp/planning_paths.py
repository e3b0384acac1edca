"""One physical session reaching a steering party by two paths is planned and steered once (pure).

An SCSP under contract with a CPO receives the CPO's sessions at its locations; an eMSP that delegates a
customer to the same SCSP forwards that customer's session too, under an id of its own and its own party
(OCPI lets the eMSP replace the ids). Both copies keep what the charge point saw: the location id, EVSE uid,
connector id, start time and the driver's token. Those together name one charge; planning both would count
the car twice against its site and send the CPO two competing profiles for it.

Which path steers: the CPO's own (the session's party is not its token's issuer). It is one hop shorter,
carries the CPO's ids and location (so the real connector and site group), and it is the path the CPO's
contract covers, which a CPO that lets only its contracted SCSP govern a location accepts (`governing`).
Between two copies of the same kind, the smaller (partner id, session id) wins, so every re-plan agrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from fera.ocpi.sessions.models import Session
from fera.scsp.planning_inputs import Known, SessionKey

__all__ = ["charge_of", "one_path"]

Charge = tuple[str, str, str, str, str, str, str]


def charge_of(session: Session) -> Charge:
    """What the charge point saw, the same on every path (ids compared case-insensitively, as OCPI says)."""
    token = session.cdr_token
    return (
        session.location_id.upper(),
        session.evse_uid.upper(),
        session.connector_id.upper(),
        session.start_date_time.isoformat(),
        token.country_code.upper(),
        token.party_id.upper(),
        token.uid.upper(),
    )


def _from_operator(session: Session) -> bool:
    token = session.cdr_token
    return (session.country_code.upper(), session.party_id.upper()) != (
        token.country_code.upper(),
        token.party_id.upper(),
    )


def _rank(known: Known) -> tuple[bool, SessionKey]:
    return (not _from_operator(known.session), known.key)


def one_path(known: Sequence[Known]) -> tuple[list[Known], dict[SessionKey, SessionKey]]:
    """The sessions to steer (in the given order), and each left-out copy mapped to the steered copy's key."""
    chosen: dict[Charge, SessionKey] = {}
    for k in sorted(known, key=_rank):
        chosen.setdefault(charge_of(k.session), k.key)
    stated = {charge_of(k.session): k.preferences for k in known if k.preferences is not None}
    steered = [
        k if k.preferences is not None else replace(k, preferences=stated.get(charge_of(k.session)))
        for k in known
        if chosen[charge_of(k.session)] == k.key
    ]  # preferences a driver stated on either copy count for the charge
    shadowed = {k.key: chosen[charge_of(k.session)] for k in known if chosen[charge_of(k.session)] != k.key}
    return steered, shadowed
