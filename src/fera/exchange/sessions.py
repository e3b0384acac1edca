"""Sessions Receiver, shared by the eMSP and SCSP roles: a copy of the CPOs' (or an eMSP's) sessions."""

from __future__ import annotations

from fera.events import EventBus
from fera.exchange._checks import check_owner, check_same, check_stored_by, stored_by_another
from fera.keyed_locks import KeyedLocks
from fera.ocpi.auth import Caller
from fera.ocpi.errors import NotFound
from fera.ocpi.sessions.models import Session, SessionPatch, patched_wire
from fera.sessions_events import SessionChanged
from fera.store.protocols import Store

__all__ = ["SessionsMirror"]


class SessionsMirror:
    """Implements `SessionsReceiver`; `store` is also the entry point of the pull sync."""

    def __init__(self, store: Store, events: EventBus) -> None:
        self._store, self._events = store, events
        # One writer per session in this process: a PATCH reads the stored session and writes it back, and
        # two at once would each append to what they read (one's periods lost). Across processes
        # (PostgreSQL) the read locks the row (`get_wire`).
        self._locks: KeyedLocks[tuple[str, str, str]] = KeyedLocks()

    async def get(self, caller: Caller, country_code: str, party_id: str, session_id: str) -> Session:
        check_owner(caller, country_code, party_id)
        async with self._store.unit_of_work() as uow:
            stored = await uow.sessions.get(country_code, party_id, session_id)
        if stored is None:
            raise NotFound("Unknown session")
        check_stored_by(caller, stored.partner_id, "session")
        return stored.session

    async def put(
        self, caller: Caller, country_code: str, party_id: str, session_id: str, session: Session
    ) -> bool:
        check_owner(caller, country_code, party_id)
        _check_ids(country_code, party_id, session_id, session)
        return await self.store(caller.partner_id, session)

    async def patch(
        self, caller: Caller, country_code: str, party_id: str, session_id: str, patch: SessionPatch
    ) -> None:
        check_owner(caller, country_code, party_id)
        _check_ids(country_code, party_id, session_id, patch)
        key = _key(country_code, party_id, session_id)
        async with self._locks[key], self._store.unit_of_work() as uow:
            stored = await uow.sessions.get_wire(country_code, party_id, session_id)
            if stored is None:
                raise NotFound("Unknown session: PUT it first")
            check_stored_by(caller, stored[0], "session")
            updated = patched_wire(stored[1], patch)  # O(1) in the periods but for the JSON text
            await uow.sessions.put_wire(updated, caller.partner_id, patch.last_updated)
        await self._events.publish(
            SessionChanged(lambda: Session.from_stored(updated), caller.partner_id, patch)
        )

    async def store(self, partner_id: str, session: Session) -> bool:
        """Create or replace a partner's session (charging periods replaced too); True when created."""
        key = _key(session.country_code, session.party_id, session.id)
        async with self._locks[key], self._store.unit_of_work() as uow:
            existing = await uow.sessions.get_wire(session.country_code, session.party_id, session.id)
            if existing is not None and await stored_by_another(uow, existing[0], partner_id):
                raise NotFound("Unknown session")
            created = await uow.sessions.put(session, partner_id)
        await self._events.publish(SessionChanged(session, partner_id))
        return created


def _key(country_code: str, party_id: str, session_id: str) -> tuple[str, str, str]:
    return country_code.upper(), party_id.upper(), session_id.upper()


def _check_ids(country_code: str, party_id: str, session_id: str, body: SessionPatch) -> None:
    check_same("country_code", country_code, body.country_code)
    check_same("party_id", party_id, body.party_id)
    check_same("id", session_id, body.id)
