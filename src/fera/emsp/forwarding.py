"""eMSP delegates smart charging to an SCSP: our customers' sessions go to it under session ids of our own.

OCPI lets the eMSP replace session ids towards the SCSP (gotcha 15): a CPO session id is unique per CPO only.
The mapping (our id <-> CPO partner, CPO country/party, CPO session id, SCSP partner) is stored; the SCSP can
resynchronise from our Sessions Sender, which lists the forwarded sessions under our ids, and its charging
preferences go back to the right CPO.
"""

from __future__ import annotations

import uuid

from fera.config import DelegationConfig
from fera.exchange import Exchange
from fera.ocpi.auth import Caller, Party
from fera.ocpi.errors import InvalidParameters, NotFound, PeerError
from fera.ocpi.pagination import Page, PageQuery
from fera.ocpi.sessions.client import patch_request, put_request
from fera.ocpi.sessions.models import ChargingPreferences, ChargingPreferencesResponse, Session, SessionPatch
from fera.ocpi.types import Role
from fera.partners import Partner
from fera.sessions_events import SessionChanged, SessionForwarded
from fera.store import UnitOfWork
from fera.store.records import ForwardedSession, Window

__all__ = ["EmspForwarding"]


class EmspForwarding:
    """Implements `SessionsSender` towards our SCSP delegate, and the forwarded-session mapping API."""

    def __init__(self, exchange: Exchange) -> None:
        self._ex = exchange
        if exchange.config.delegations:  # else no session is forwarded: nobody reads the changed ones
            exchange.events.subscribe(SessionChanged, self._on_session)

    # -- mapping API --------------------------------------------------------------------------------------
    async def forwarded(self, forwarded_id: str) -> ForwardedSession | None:
        """Our id -> (CPO partner id, CPO country_code/party_id, CPO session id, SCSP partner id)."""
        async with self._ex.store.unit_of_work() as uow:
            return await uow.forwards.get(forwarded_id)

    async def forwards_of(
        self, cpo_partner_id: str, country_code: str, party_id: str, session_id: str
    ) -> list[ForwardedSession]:
        """A CPO session -> the ids it was forwarded under (one per SCSP delegate)."""
        async with self._ex.store.unit_of_work() as uow:
            return await uow.forwards.by_source(cpo_partner_id, country_code, party_id, session_id)

    async def is_delegate(self, caller: Caller, forwarded_id: str) -> bool:
        """Is the caller the SCSP this session was forwarded to?"""
        forwarded = await self.forwarded(forwarded_id)
        return forwarded is not None and forwarded.scsp_partner_id == caller.partner_id

    # -- Sessions Sender towards the SCSP ------------------------------------------------------------------
    async def list(self, caller: Caller, query: PageQuery) -> Page:
        window = Window(query.offset, query.limit, query.date_from, query.date_to)
        async with self._ex.store.unit_of_work() as uow:
            page = await uow.forwards.page(caller.partner_id, window)
        return Page([self._as_ours(session, fwd.id) for fwd, session in page.items], page.total)

    async def set_charging_preferences(
        self, caller: Caller, session_id: str, preferences: ChargingPreferences
    ) -> ChargingPreferencesResponse:
        """Relayed to the CPO's Sessions Sender under the CPO's session id."""
        forwarded = await self.forwarded(session_id)
        if forwarded is None or forwarded.scsp_partner_id != caller.partner_id:
            raise NotFound("Unknown session")
        cpo = await self._ex.partners.find(forwarded.cpo_partner_id)
        url = None if cpo is None else cpo.endpoint("sessions", "SENDER")
        if cpo is None or url is None:
            return ChargingPreferencesResponse.NOT_POSSIBLE
        party = Party(forwarded.country_code, forwarded.party_id, Role.CPO)
        target = self._ex.target(cpo, party, Role.EMSP)
        try:
            return await self._ex.sessions_sender.set_charging_preferences(
                target, url, forwarded.session_id, preferences
            )
        except PeerError as exc:
            if exc.http_status == 404:
                raise _NotCapable(exc.reason) from exc
            return ChargingPreferencesResponse.NOT_POSSIBLE

    # -- forwarding -----------------------------------------------------------------------------------------
    async def _on_session(self, event: SessionChanged) -> None:
        cpo_partner = event.source_partner_id
        token = event.session.cdr_token
        if cpo_partner is None or self._ours(token.country_code, token.party_id) is None:
            return
        partners = await self._ex.partners.known()
        for delegation in self._ex.config.delegations:
            scsp = _delegate(partners, delegation)
            if scsp is not None and delegation.covers(token.uid):
                await self._forward(event, cpo_partner, scsp)

    async def _forward(
        self, event: SessionChanged, cpo_partner: str, scsp: tuple[Partner, Party, str]
    ) -> None:
        """Written in a transaction of its own, after the one that stored the CPO's session: a process
        killed in between has not answered the CPO, whose push then fails and is made again (or its next
        change goes whole), so the forward is not lost for good."""
        partner, party, url = scsp
        session = event.session
        async with self._ex.store.unit_of_work() as uow:
            mapping, created = await self._mapping(uow, cpo_partner, session, partner.id)
            ours = self._as_ours(session, mapping.id)
            patch = None if created or event.patch is None else self._patch(event.patch, ours)
            change = None if patch is None else patch_request(url, _key(ours), patch)
            target = self._ex.target(partner, party, Role.EMSP)
            ids = ("sessions", *_key(ours))
            outgoing = self._ex.outbox.outgoing(
                target, partner.id, party, Role.EMSP.value, ids, put_request(url, ours), change
            )
            await self._ex.outbox.stage(uow, [outgoing])
        self._ex.outbox.send([outgoing])
        await self._ex.events.publish(SessionForwarded(ours, session, cpo_partner, partner.id))

    async def _mapping(
        self, uow: UnitOfWork, cpo_partner: str, session: Session, scsp_id: str
    ) -> tuple[ForwardedSession, bool]:
        known = await uow.forwards.by_source(cpo_partner, session.country_code, session.party_id, session.id)
        existing = next((f for f in known if f.scsp_partner_id == scsp_id), None)
        if existing is not None:
            return existing, False
        mapping = ForwardedSession(
            str(uuid.uuid4()), cpo_partner, session.country_code, session.party_id, session.id, scsp_id
        )
        await uow.forwards.add(mapping)
        return mapping, True

    def _as_ours(self, session: Session, forwarded_id: str) -> Session:
        party = self._party()
        return session.model_copy(
            update={"country_code": party.country_code, "party_id": party.party_id, "id": forwarded_id}
        )

    def _patch(self, patch: SessionPatch, ours: Session) -> SessionPatch:
        ids = {"country_code": ours.country_code, "party_id": ours.party_id, "id": ours.id}
        return patch.model_copy(update={k: v for k, v in ids.items() if k in patch.model_fields_set})

    def _ours(self, country_code: str, party_id: str) -> Party | None:
        return next(
            (
                r.party
                for r in self._ex.config.roles
                if r.role is Role.EMSP and r.party.is_(country_code, party_id)
            ),
            None,
        )

    def _party(self) -> Party:
        party = self._ex.config.party(Role.EMSP)
        assert party is not None, "the eMSP role is hosted"
        return party


class _NotCapable(InvalidParameters):
    """The CPO answered HTTP 404 + 2001 (the EVSE takes no preferences): passed on as such."""

    http_status = 404


def _delegate(partners: list[Partner], delegation: DelegationConfig) -> tuple[Partner, Party, str] | None:
    cc, pid = delegation.scsp.split("*")
    for partner in partners:
        party = next((p for p in partner.parties() if p.role is Role.SCSP and p.is_(cc, pid)), None)
        url = partner.endpoint("sessions", "RECEIVER")
        if partner.registered and party is not None and url is not None:
            return partner, party, url
    return None


def _key(session: Session) -> tuple[str, str, str]:
    return session.country_code, session.party_id, session.id
