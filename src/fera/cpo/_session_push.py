"""A Session pushed to one recipient, as the pusher sends it: the full object, and the change as a PATCH.

Meter readings are held (`Pusher.hold`): a real CPO does not PATCH every reading, and its partners still get
every ChargingPeriod, the readings held back joined into one PATCH (`joined_patch`) with the latest values.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from fera.cpo._recipients import Recipient
from fera.exchange import Push
from fera.ocpi.sessions import SessionsReceiverClient
from fera.ocpi.sessions.models import Session, SessionPatch, joined_patch

__all__ = ["SessionPush", "session_push"]


@dataclass(frozen=True, kw_only=True)
class SessionPush(Push):
    client: SessionsReceiverClient
    recipient: Recipient
    session: Session
    change: SessionPatch | None

    def joined(self, later: Push) -> Push:
        """Both changes in one PATCH, with the later Session for a receiver that needs the full object."""
        if not isinstance(later, SessionPush) or self.change is None or later.change is None:
            return later
        change = joined_patch(self.change, later.change)
        return session_push(self.client, self.recipient, later.session, change)


def session_push(
    client: SessionsReceiverClient, recipient: Recipient, session: Session, patch: SessionPatch | None
) -> SessionPush:
    key = (session.country_code, session.party_id, session.id)
    r = recipient
    put = partial(client.put, r.target, r.url, session)
    change = None if patch is None else partial(client.patch, r.target, r.url, key, patch)
    return SessionPush(
        key=(r.partner_id, "sessions", *key),
        put=put,
        patch=change,
        client=client,
        recipient=r,
        session=session,
        change=patch,
    )
