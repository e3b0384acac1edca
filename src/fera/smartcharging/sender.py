"""The Sender side of ChargingProfiles, written once for every role that sends profiles (eMSP, SCSP).

Each request is stored under an opaque id before it goes out; that id is the last segment of the
`response_url`, so the result is matched without a type field. Deadlines come from the Receiver's `timeout`
and are re-armed after a restart; nothing polls. On a node of several processes (PostgreSQL) one process
keeps every request's deadline (`keeping_time`, owned through `fera.ownership`): the others announce each
accepted request on `fera_profile_deadlines`, and a deadline ends a request only if no result came first.
A request ended by its result or deadline is announced (`fera_profile_ended`), since its waiters (`wait`)
may be in another process: every process wakes its own, which also read the stored state now and then
should an announcement be missed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fera.events import EventBus
from fera.ocpi.auth import Caller, Party
from fera.ocpi.chargingprofiles.client import ChargingProfilesReceiverClient
from fera.ocpi.chargingprofiles.models import (
    ActiveChargingProfile,
    ChargingProfile,
    ChargingProfileResponse,
    ChargingProfileResponseType,
    SetChargingProfile,
)
from fera.ocpi.chargingprofiles.routes import RESULTS_SEGMENT, SENDER_PATH
from fera.ocpi.errors import InvalidParameters, PeerError
from fera.ocpi.peer import PeerTarget
from fera.ocpi.types import Role
from fera.partners import PartnerService
from fera.partners.reach import hub_reach, is_hub
from fera.smartcharging._receipts import Receipts
from fera.smartcharging.events import ActiveProfileReceived, ProfileRequestFinished
from fera.smartcharging.model import ProfileRequest, RequestKind, RequestState
from fera.smartcharging.results import parse_result
from fera.store.protocols import Store

__all__ = ["ProfileSender", "Upstream"]

# When a request was interrupted before the Receiver answered, we never learnt its timeout: assume this one.
FALLBACK_TIMEOUT_S = 60
DEADLINES_CHANNEL = "fera_profile_deadlines"  # payload: the id of a request that now awaits its result
ENDED_CHANNEL = "fera_profile_ended"  # payload: the id of a request another process made final
SETTLE_S = (0.5, 5.0)  # several processes: a waiter reads the stored state after 0.5 s, then ever less often
OWNERS_HELD = 4096  # sessions whose owning party is remembered
Upstream = tuple[str, str]  # (partner id, response_url) of the party we relay for


class ProfileSender:
    def __init__(
        self,
        store: Store,
        partners: PartnerService,
        client: ChargingProfilesReceiverClient,
        events: EventBus,
        base_url: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        shared: bool = False,
    ) -> None:
        self._store, self._partners, self._client, self._events = store, partners, client, events
        self._shared = shared  # several processes: one of them (`keep_time`) keeps the deadlines
        self._results_url = base_url.rstrip("/") + f"{SENDER_PATH}/{RESULTS_SEGMENT}/"
        self._now = now
        # Waiters per open request; resolved with the final request (no read after the wait).
        self._done: dict[str, asyncio.Future[ProfileRequest]] = {}
        # (partner id, kind) of the requests this process sent and still waits for: their result is read
        # by its kind without reading the request first.
        self._open: dict[str, tuple[str, RequestKind]] = {}
        # A request's transitions (answer, result, failure, deadline) may come in any order, in any process:
        # each is one conditional UPDATE in the store (no read-modify-write), so no lock is needed here.
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._owners: OrderedDict[tuple[str, str], Party] = OrderedDict()  # see `_owner`
        self._receipts = Receipts(store)  # requests, answers, results, ActiveChargingProfiles: in groups
        self._hearing = AsyncExitStack()  # several processes: LISTEN fera_profile_ended (`hear_ends`)

    # -- the API for smart-charging logic -----------------------------------------------------
    async def set_profile(
        self, partner_id: str, session_id: str, profile: ChargingProfile, upstream: Upstream | None = None
    ) -> ProfileRequest:
        request = self._new(RequestKind.SET, partner_id, session_id, profile.to_wire(), upstream)
        body = SetChargingProfile(charging_profile=profile, response_url=self.response_url(request.id))
        return await self._send(request, lambda t, url: self._client.set_profile(t, url, session_id, body))

    async def get_active_profile(
        self, partner_id: str, session_id: str, duration: int, upstream: Upstream | None = None
    ) -> ProfileRequest:
        request = self._new(RequestKind.GET, partner_id, session_id, {"duration": duration}, upstream)
        url = self.response_url(request.id)
        return await self._send(
            request, lambda t, ep: self._client.get_active_profile(t, ep, session_id, duration, url)
        )

    async def clear_profile(
        self, partner_id: str, session_id: str, upstream: Upstream | None = None
    ) -> ProfileRequest:
        request = self._new(RequestKind.CLEAR, partner_id, session_id, None, upstream)
        url = self.response_url(request.id)
        return await self._send(request, lambda t, ep: self._client.clear_profile(t, ep, session_id, url))

    async def wait(self, request_id: str, timeout: float | None = None) -> ProfileRequest:
        """Until the request is final (result, refusal, failure, deadline); `timeout` bounds the wait."""
        done = self._done.get(request_id)
        if done is None:  # not open in this process (sent before a restart, or final already): read it
            done = self._waiter(request_id)
            request = await self.request(request_id)
            if request is not None and request.state.final:
                self._done.pop(request_id, None)  # final: nobody needs the waiter (no growth)
                return request
        async with asyncio.timeout(timeout):
            if not self._shared:
                return await asyncio.shield(done)  # a timeout leaves the waiter to the others
            return await self._settled(request_id, done)

    async def _settled(self, request_id: str, done: asyncio.Future[ProfileRequest]) -> ProfileRequest:
        """Several processes: another one may make the request final. It announces that (`hear_ends`); a
        missed announcement (a LISTEN connection lost) is made up for by reading the stored state, with a
        bounded back-off."""
        pause = SETTLE_S[0]
        while True:
            try:
                return await asyncio.wait_for(asyncio.shield(done), pause)
            except TimeoutError:
                await self._ended_elsewhere(request_id)
                pause = min(2 * pause, SETTLE_S[1])

    async def _ended_elsewhere(self, request_id: str) -> None:
        """Wake this process's waiters on a request another process made final (nothing else is told here:
        the process that ended it published its events)."""
        done = self._done.get(request_id)
        if done is None or done.done():
            return
        request = await self.request(request_id)
        if request is not None and request.state.final and not done.done():
            self._open.pop(request_id, None)
            self._done.pop(request_id, None)
            done.set_result(request)

    async def request(self, request_id: str) -> ProfileRequest | None:
        async with self._store.reading() as uow:  # a read: no commit
            return await uow.profile_requests.get(request_id)

    async def active_profile(self, partner_id: str, session_id: str) -> ActiveChargingProfile | None:
        async with self._store.unit_of_work() as uow:
            raw = await uow.active_profiles.get(partner_id, session_id)
        return None if raw is None else ActiveChargingProfile.model_validate(raw)

    def response_url(self, request_id: str) -> str:
        return self._results_url + request_id

    # -- ChargingProfilesSender (what Receivers call) -------------------------------------------
    async def receive_result(self, caller: Caller, request_id: str, body: dict[str, Any]) -> None:
        request, kind = None, self._kind_held(request_id, caller.partner_id)
        if kind is None:  # not sent by this process (or final already): read for its kind
            kind = await self._stored_kind(request_id, caller.partner_id)
        if kind is not None:
            result = parse_result(kind, body)
            request = await self._receipts.result(request_id, caller.partner_id, result, self._now())
        if request is None:
            # Unknown, or another partner's request: the same answer, so nothing leaks.
            raise InvalidParameters(f"No request {request_id} is waiting for a result from you")
        await self._notify(request)

    async def receive_active_profile(
        self, caller: Caller, session_id: str, profile: ActiveChargingProfile
    ) -> None:
        await self._receipts.active_profile(caller.partner_id, session_id, profile.to_wire(), self._now())
        await self._events.publish(ActiveProfileReceived(caller.partner_id, session_id, profile))

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """After a restart: requests whose deadline passed time out now, the others get their timer back."""
        async with self._store.unit_of_work() as uow:
            still_open = await uow.profile_requests.open()
        for request in still_open:
            if request.deadline is None:
                request.deadline = request.created_at + timedelta(seconds=FALLBACK_TIMEOUT_S)
                async with self._store.unit_of_work() as uow:
                    await uow.profile_requests.set_deadline(request.id, request.deadline)
            self._arm(request)

    @asynccontextmanager
    async def keeping_time(self) -> AsyncIterator[None]:
        """Keep every request's deadline while open: the work of the one process owning them."""
        loop = asyncio.get_running_loop()

        def announced(request_id: str) -> None:
            loop.create_task(self._arm_stored(request_id))

        # Listening before reading what is open: a request accepted in between is heard, not missed.
        async with self._store.messages(DEADLINES_CHANNEL, announced):
            await self.start()
            try:
                yield
            finally:
                await self.stop()

    async def hear_ends(self) -> None:
        """Several processes: wake the waiters of the requests another process ends (a result, a deadline)."""
        loop = asyncio.get_running_loop()

        def heard(request_id: str) -> None:
            loop.create_task(self._ended_elsewhere(request_id))

        await self._hearing.enter_async_context(self._store.messages(ENDED_CHANNEL, heard))

    async def stop_hearing(self) -> None:
        await self._hearing.aclose()

    async def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    # -- internals ---------------------------------------------------------------------------
    def _kind_held(self, request_id: str, partner_id: str) -> RequestKind | None:
        """The kind of a request this process sent to this partner and waits for; None otherwise (another
        partner's request gets the same answer as an unknown one: it is read, and refused)."""
        held = self._open.get(request_id)
        return held[1] if held is not None and held[0] == partner_id else None

    async def _stored_kind(self, request_id: str, partner_id: str) -> RequestKind | None:
        request = await self.request(request_id)
        return request.kind if request is not None and request.partner_id == partner_id else None

    def _new(
        self,
        kind: RequestKind,
        partner_id: str,
        session_id: str,
        payload: dict[str, Any] | None,
        upstream: Upstream | None,
    ) -> ProfileRequest:
        return ProfileRequest(
            id=uuid.uuid4().hex,
            kind=kind,
            partner_id=partner_id,
            session_id=session_id,
            state=RequestState.PENDING,
            created_at=self._now(),
            payload=payload,
            upstream_partner_id=upstream[0] if upstream else None,
            upstream_response_url=upstream[1] if upstream else None,
        )

    async def _send(self, request: ProfileRequest, call: Any) -> ProfileRequest:
        await self._receipts.request(request)  # durable before anything leaves this node
        self._waiter(request.id)
        self._open[request.id] = (request.partner_id, request.kind)
        try:
            target, endpoint = await self._partners.target(request.partner_id, "chargingprofiles", "RECEIVER")
            response: ChargingProfileResponse = await call(await self._to_owner(target, request), endpoint)
        except (PeerError, LookupError) as exc:
            return await self._failed(request.id, str(exc))
        return await self._answered(request.id, response)

    async def _to_owner(self, target: PeerTarget, request: ProfileRequest) -> PeerTarget:
        """OCPI-to the CPO party that owns the session, as it sent it (through a hub: not the hub, and only
        while the hub says that party is CONNECTED: a PeerError, unsent, otherwise)."""
        owner = await self._owner(request.partner_id, request.session_id)
        partner = await self._partners.cached(request.partner_id)  # held in memory: no read
        if partner is not None and is_hub(partner):
            reach = await hub_reach(self._store, [partner])
            refusal = reach.refusal(partner.id, owner)
            if refusal is not None:
                raise PeerError(target.name, "-", refusal)
        return target if owner is None else replace(target, to_party=owner)

    async def _owner(self, partner_id: str, session_id: str) -> Party | None:
        """The party that sent us the session; remembered, since a session's owner never changes (the same
        steering runs again and again on one session)."""
        key = (partner_id, session_id.upper())
        if (owner := self._owners.get(key)) is not None:
            return owner
        async with self._store.reading() as uow:  # a read: no commit
            session = await uow.sessions.received(partner_id, session_id)
        if session is None:
            return None
        self._owners[key] = owner = Party(session.country_code, session.party_id, Role.CPO)
        if len(self._owners) > OWNERS_HELD:
            self._owners.popitem(last=False)  # the oldest: sessions end
        return owner

    async def _answered(self, request_id: str, response: ChargingProfileResponse) -> ProfileRequest:
        """Record the synchronous answer; the result may already have overtaken it (then it stays DONE)."""
        accepted = response.result is ChargingProfileResponseType.ACCEPTED
        state = RequestState.WAITING if accepted else RequestState.REFUSED
        request = await self._receipts.answer(
            request_id, response.result.value, response.timeout, self._now(), state
        )
        assert request is not None, request_id
        if request.state is RequestState.WAITING and self._shared:
            await self._store.notify(DEADLINES_CHANNEL, request.id)
        elif request.state is RequestState.WAITING:
            self._arm(request)
        elif request.state is RequestState.REFUSED:
            await self._notify(request)
        return request

    async def _failed(self, request_id: str, error: str) -> ProfileRequest:
        async with self._store.unit_of_work() as uow:
            request = await uow.profile_requests.failed(request_id, error[:255])
        assert request is not None, request_id
        if request.state is RequestState.FAILED:  # else a result overtook the failed call: it was told
            await self._notify(request)
        return request

    def _arm(self, request: ProfileRequest) -> None:
        assert request.deadline is not None
        delay = max(0.0, (request.deadline - self._now()).total_seconds())
        loop = asyncio.get_running_loop()
        if (armed := self._timers.pop(request.id, None)) is not None:
            armed.cancel()  # announced again (a restart's re-arm met the announcement): one timer
        self._timers[request.id] = loop.call_later(delay, lambda: loop.create_task(self._expire(request.id)))

    async def _arm_stored(self, request_id: str) -> None:
        request = await self.request(request_id)
        if request is not None and not request.state.final and request.deadline is not None:
            self._arm(request)

    async def _expire(self, request_id: str) -> None:
        self._timers.pop(request_id, None)
        async with self._store.unit_of_work() as uow:
            request = await uow.profile_requests.expire(request_id)
        if request is None:  # its result (or a refusal) came first, maybe in another process
            return
        await self._notify(request)

    def _waiter(self, request_id: str) -> asyncio.Future[ProfileRequest]:
        return self._done.setdefault(request_id, asyncio.get_running_loop().create_future())

    async def _notify(self, request: ProfileRequest) -> None:
        timer = self._timers.pop(request.id, None)
        if timer is not None:
            timer.cancel()
        self._open.pop(request.id, None)
        done = self._done.pop(request.id, None)
        if done is not None and not done.done():
            done.set_result(request)  # waiters hold the future; nobody else needs it any more
        # This process's listeners first: a cross-process announcement waits for a database round trip, and a
        # late result arriving meanwhile must not reach them before the deadline that preceded it.
        await self._events.publish(ProfileRequestFinished(request))
        if self._shared and request.state in (RequestState.DONE, RequestState.TIMED_OUT):
            await self._store.notify(ENDED_CHANNEL, request.id)  # its waiters may be in another process
