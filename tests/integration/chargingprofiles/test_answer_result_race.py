"""The Sender records the CPO's synchronous answer and its result in whichever order they land: on a node of
several processes the result may be POSTed to one API process while another is still saving the answer
(ACCEPTED + timeout) of the same request. Each order is forced by holding one of the two writes on an event
until the other is committed; the request always ends DONE with both the answer and the result.

The eMSP is one node here: its Sender takes no lock of its own around either write (both are conditional
UPDATEs in the store), so two requests handled in one process interleave as they would in two."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest

from fera.smartcharging.model import ProfileRequest, RequestState
from fera.store.sqlalchemy.profiles import SqlProfileRequestStore
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(120)

PATIENCE_S = 60  # generous: a loaded two-core machine


class Held:
    """Holds one store write (`answered` or `resulted`) of the request until `release` is set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        self.reached, self.release, self.done = asyncio.Event(), asyncio.Event(), asyncio.Event()
        original: Callable[..., Awaitable[ProfileRequest | None]] = getattr(SqlProfileRequestStore, name)

        async def held(store: SqlProfileRequestStore, *args: Any) -> ProfileRequest | None:
            self.reached.set()  # inside the write's unit of work (on PostgreSQL: its transaction is open)
            await self.release.wait()
            try:
                return await original(store, *args)
            finally:
                self.done.set()

        monkeypatch.setattr(SqlProfileRequestStore, name, held)


async def pair(node_factory: NodeFactory) -> tuple[RunningNode, RunningNode, str]:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    partner, _ = await connect(emsp, cpo)
    await seed(cpo, [location()], [session("S1", "LOC1-E1")])
    return cpo, emsp, partner.id


async def stored(emsp: RunningNode, request_id: str, state: RequestState) -> ProfileRequest:
    """The request as committed, once it is in `state` (polled with a generous deadline)."""
    assert emsp.node.profile_sender is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE_S
    while loop.time() < deadline:
        request = await emsp.node.profile_sender.request(request_id)
        if request is not None and request.state is state:
            return request
        await asyncio.sleep(0.02)
    raise AssertionError(f"request {request_id} never reached {state}")


def assert_complete(request: ProfileRequest, sent_at: datetime) -> None:
    """DONE with the result, and the answer recorded beside it (its deadline too)."""
    assert (request.state, request.result, request.late) == (RequestState.DONE, {"result": "ACCEPTED"}, False)
    assert (request.response, request.timeout_s) == ("ACCEPTED", 30)
    assert request.responded_at is not None and request.deadline is not None
    assert request.deadline > sent_at


async def test_a_result_recorded_while_the_answer_is_being_saved_is_kept(
    node_factory: NodeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    cpo, emsp, cpo_id = await pair(node_factory)
    sender = emsp.node.profile_sender
    assert sender is not None
    answer = Held(monkeypatch, "answered")
    sent_at = datetime.now().astimezone()
    sending = asyncio.create_task(sender.set_profile(cpo_id, "S1", amps((0, 16.0))))
    await asyncio.wait_for(answer.reached.wait(), PATIENCE_S)  # the CPO answered ACCEPTED; not saved yet
    (opened,) = await sender_requests(emsp)
    await stored(emsp, opened.id, RequestState.DONE)  # the CPO's result POST is recorded meanwhile

    answer.release.set()
    request = await asyncio.wait_for(sending, PATIENCE_S)
    assert_complete(request, sent_at)  # the answer did not move it back to WAITING
    assert_complete(await stored(emsp, request.id, RequestState.DONE), sent_at)
    assert_complete(await sender.wait(request.id, timeout=PATIENCE_S), sent_at)


async def test_an_answer_saved_before_the_result_is_completed_by_it(
    node_factory: NodeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    cpo, emsp, cpo_id = await pair(node_factory)
    sender = emsp.node.profile_sender
    assert sender is not None
    result = Held(monkeypatch, "resulted")
    sent_at = datetime.now().astimezone()
    request = await sender.set_profile(cpo_id, "S1", amps((0, 16.0)))  # the answer is committed
    assert request.state is RequestState.WAITING
    await asyncio.wait_for(result.reached.wait(), PATIENCE_S)  # the result POST arrived: hold its write
    waiting = await stored(emsp, request.id, RequestState.WAITING)
    assert waiting.result is None and waiting.deadline is not None

    result.release.set()
    await asyncio.wait_for(result.done.wait(), PATIENCE_S)
    assert_complete(await stored(emsp, request.id, RequestState.DONE), sent_at)
    assert_complete(await sender.wait(request.id, timeout=PATIENCE_S), sent_at)


async def sender_requests(emsp: RunningNode) -> list[ProfileRequest]:
    async with emsp.node.database.unit_of_work() as uow:
        return await uow.profile_requests.all()
