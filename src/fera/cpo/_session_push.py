"""A Session pushed to one recipient: the full object, and the change as a PATCH.

Meter readings are held (`held`): a real CPO does not PATCH every reading, and its partners still get every
ChargingPeriod, the readings held back joined into one PATCH (`fera.exchange.outbox.join`) with the latest
values. On PostgreSQL the outbox stores a change without the Session, read whole if it must go so.
"""

from __future__ import annotations

from fera.cpo._recipients import Recipient
from fera.exchange.outbox import Outbox, Outgoing
from fera.ocpi.sessions.client import patch_request, put_request
from fera.ocpi.sessions.models import Session, SessionPatch
from fera.ocpi.types import Role

__all__ = ["session_push"]


def session_push(
    outbox: Outbox, recipient: Recipient, session: Session, patch: SessionPatch | None, held: bool
) -> Outgoing:
    key = (session.country_code, session.party_id, session.id)
    r = recipient
    change = None if patch is None else patch_request(r.url, key, patch)
    assert r.target.to_party is not None, "a push is addressed to one party"
    return outbox.outgoing(
        r.target,
        r.partner_id,
        r.target.to_party,
        Role.CPO.value,
        ("sessions", *key),
        put_request(r.url, session),
        change,
        held,
        stored=True,
    )
