"""The eMSP as ChargingProfiles proxy for its SCSP (topology "eMSP delegates to SCSP").

Towards the SCSP the eMSP is a Receiver; towards the CPO it is a Sender. A request from the SCSP names our
own (forwarded) session id: we check the SCSP is the delegate for it, map it back to the CPO's session,
forward it with our own `response_url`, answer with the CPO's synchronous response, and relay the result
and every ActiveChargingProfile update back up. The CPO can't tell this from the eMSP steering itself.
"""

from __future__ import annotations

import logging

from fera.events import EventBus
from fera.ocpi.auth import Caller
from fera.ocpi.chargingprofiles.client import ChargingProfilesSenderClient
from fera.ocpi.chargingprofiles.models import (
    ChargingProfileResponse,
    ChargingProfileResponseType,
    SetChargingProfile,
)
from fera.ocpi.errors import PeerError, ServerError
from fera.ocpi.peer import PeerTarget
from fera.ocpi.types import Role
from fera.partners import PartnerService
from fera.smartcharging.events import ActiveProfileReceived, ProfileRequestFinished
from fera.smartcharging.model import ProfileRequest, RequestKind, RequestState
from fera.smartcharging.results import RESULT_MODELS
from fera.smartcharging.sender import ProfileSender
from fera.store.protocols import Store
from fera.store.records import ForwardedSession

__all__ = ["EmspChargingProfilesProxy"]

log = logging.getLogger(__name__)


class CpoUnreachable(ServerError):
    """The SCSP gets a clear answer at once instead of a request left hanging."""


class EmspChargingProfilesProxy:
    def __init__(
        self,
        store: Store,
        sender: ProfileSender,
        partners: PartnerService,
        client: ChargingProfilesSenderClient,
        events: EventBus,
    ) -> None:
        self._store, self._sender, self._partners, self._client = store, sender, partners, client
        events.subscribe(ProfileRequestFinished, self._relay_result)
        events.subscribe(ActiveProfileReceived, self._relay_active_profile)

    # -- ChargingProfilesReceiver towards the SCSP ---------------------------------------------
    async def set_profile(
        self, caller: Caller, session_id: str, request: SetChargingProfile
    ) -> ChargingProfileResponse:
        forwarded = await self._delegated(caller, session_id)
        if forwarded is None:
            return _unknown()
        upstream = (caller.partner_id, request.response_url)
        relayed = await self._sender.set_profile(
            forwarded.cpo_partner_id, forwarded.session_id, request.charging_profile, upstream
        )
        return self._answer(relayed)

    async def get_active_profile(
        self, caller: Caller, session_id: str, duration: int, response_url: str
    ) -> ChargingProfileResponse:
        forwarded = await self._delegated(caller, session_id)
        if forwarded is None:
            return _unknown()
        relayed = await self._sender.get_active_profile(
            forwarded.cpo_partner_id, forwarded.session_id, duration, (caller.partner_id, response_url)
        )
        return self._answer(relayed)

    async def clear_profile(
        self, caller: Caller, session_id: str, response_url: str
    ) -> ChargingProfileResponse:
        forwarded = await self._delegated(caller, session_id)
        if forwarded is None:
            return _unknown()
        relayed = await self._sender.clear_profile(
            forwarded.cpo_partner_id, forwarded.session_id, (caller.partner_id, response_url)
        )
        return self._answer(relayed)

    async def _delegated(self, caller: Caller, session_id: str) -> ForwardedSession | None:
        """Our id, forwarded to this very SCSP; anything else looks unknown (nothing leaks)."""
        async with self._store.unit_of_work() as uow:
            forwarded = await uow.forwards.get(session_id)
        return forwarded if forwarded is not None and forwarded.scsp_partner_id == caller.partner_id else None

    @staticmethod
    def _answer(relayed: ProfileRequest) -> ChargingProfileResponse:
        if relayed.state is RequestState.FAILED or relayed.response is None:
            raise CpoUnreachable(f"The CPO could not be reached: {relayed.error or 'no answer'}")
        return ChargingProfileResponse(
            result=ChargingProfileResponseType(relayed.response), timeout=relayed.timeout_s or 0
        )

    # -- relaying back up ------------------------------------------------------------------------
    async def _relay_result(self, event: ProfileRequestFinished) -> None:
        request = event.request
        if (
            request.upstream_partner_id is None
            or request.upstream_response_url is None
            or request.result is None
        ):
            return  # not a relay, or nothing to relay (refused, failed or timed out: the SCSP times out too)
        result = RESULT_MODELS[request.kind].model_validate(request.result)
        try:
            target, _ = await self._target(request.upstream_partner_id)
            await self._client.post_result(target, request.upstream_response_url, result)
        except (PeerError, LookupError) as exc:
            log.warning("result of relayed request %s not delivered to the SCSP: %s", request.id, exc)

    async def _relay_active_profile(self, event: ActiveProfileReceived) -> None:
        """The CPO's update goes to each SCSP that set a profile on the session through us, under our id."""
        for forwarded in await self._forwards_of(event.partner_id, event.session_id):
            if not await self._has_set(forwarded):
                continue
            try:
                target, endpoint = await self._target(forwarded.scsp_partner_id)
                await self._client.put_active_profile(target, endpoint, forwarded.id, event.profile)
            except (PeerError, LookupError) as exc:
                log.warning("ActiveChargingProfile of %s not relayed: %s", forwarded.id, exc)

    async def _forwards_of(self, cpo_partner_id: str, session_id: str) -> list[ForwardedSession]:
        cpo = await self._partners.find(cpo_partner_id)
        parties = [r for r in (cpo.roles if cpo else []) if r.role is Role.CPO]
        async with self._store.unit_of_work() as uow:
            found: list[ForwardedSession] = []
            for party in parties:
                found += await uow.forwards.by_source(
                    cpo_partner_id, party.country_code, party.party_id, session_id
                )
        return found

    async def _has_set(self, forwarded: ForwardedSession) -> bool:
        async with self._store.unit_of_work() as uow:
            requests = await uow.profile_requests.for_session(forwarded.cpo_partner_id, forwarded.session_id)
        return any(
            r.kind is RequestKind.SET
            and r.upstream_partner_id == forwarded.scsp_partner_id
            and r.result_type == "ACCEPTED"
            for r in requests
        )

    async def _target(self, scsp_partner_id: str) -> tuple[PeerTarget, str]:
        return await self._partners.target(scsp_partner_id, "chargingprofiles", "SENDER", from_role=Role.EMSP)


def _unknown() -> ChargingProfileResponse:
    return ChargingProfileResponse(result=ChargingProfileResponseType.UNKNOWN_SESSION, timeout=0)
