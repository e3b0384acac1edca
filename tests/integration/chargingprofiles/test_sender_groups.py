"""The Sender stores the requests it sends at once in one transaction, each before it goes out, and records
their answers in groups too: every request still gets its own answer, result and stored row. What arrives
together of any kind (a request, another's answer, a result, an ActiveChargingProfile) is one transaction."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event

from fera.smartcharging._receipts import Receipts
from fera.smartcharging.model import ProfileRequest, RequestKind, RequestState
from fera.store import Database
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.nodes import NodeFactory, connect, role

pytestmark = pytest.mark.timeout(120)

STEERED = [f"S{n}" for n in range(1, 6)]


async def test_requests_sent_at_once_are_stored_in_one_transaction_before_they_leave(
    node_factory: NodeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    cpo_id = (await connect(emsp, cpo))[0].id
    await seed(cpo, [location(evses=5)], [session(sid, f"LOC1-E{n}") for n, sid in enumerate(STEERED, 1)])
    sender, module = emsp.node.profile_sender, cpo.node.cpo_profiles
    assert sender is not None and module is not None

    # Which unit of work of the eMSP stored each request; which requests the CPO had when each arrived.
    stored_in: dict[str, int] = {}
    units = itertools.count()
    database = emsp.node.database
    opened = database.unit_of_work
    receive = module.receiver.set_profile

    @asynccontextmanager
    async def recorded() -> AsyncIterator[Any]:
        async with opened() as uow:
            unit, add = next(units), uow.profile_requests.add

            async def add_recorded(request: Any) -> None:
                stored_in[request.id] = unit
                await add(request)

            monkeypatch.setattr(uow.profile_requests, "add", add_recorded)
            yield uow

    async def arriving(*args: Any) -> Any:
        request_id = args[-1].response_url.rsplit("/", 1)[-1]
        async with database.reading() as uow:  # committed before the PUT left the eMSP
            assert await uow.profile_requests.get(request_id) is not None
        return await receive(*args)

    monkeypatch.setattr(database, "unit_of_work", recorded)
    monkeypatch.setattr(module.receiver, "set_profile", arriving)

    requests = await asyncio.gather(*(sender.set_profile(cpo_id, sid, amps((0, 10.0))) for sid in STEERED))

    assert len(set(stored_in.values())) == 1  # the five INSERTs, one transaction
    assert sorted(stored_in) == sorted(r.id for r in requests)
    assert [r.response for r in requests] == ["ACCEPTED"] * 5
    done = [await sender.wait(r.id, timeout=60) for r in requests]
    assert {(r.state, (r.result or {}).get("result")) for r in done} == {(RequestState.DONE, "ACCEPTED")}
    assert {r.session_id for r in done} == set(STEERED)


T0 = datetime(2030, 1, 1, tzinfo=UTC)
PROFILE = {"charging_rate_unit": "A", "charging_profile_period": [{"start_period": 0, "limit": 10.0}]}


def request(request_id: str, session_id: str) -> ProfileRequest:
    return ProfileRequest(request_id, RequestKind.SET, "CPO1", session_id, RequestState.PENDING, T0, PROFILE)


async def test_every_kind_handed_in_together_is_one_transaction(database: Database) -> None:
    receipts = Receipts(database)
    for sent in (request("R1", "S1"), request("R2", "S2")):
        await receipts.request(sent)  # stored before they went out
    commits: list[object] = []
    event.listen(database.engine.sync_engine, "commit", commits.append)

    answered, resulted, stored, _ = await asyncio.gather(
        receipts.answer("R1", "ACCEPTED", 30, T0, RequestState.WAITING),
        receipts.result("R2", "CPO1", {"result": "ACCEPTED"}, T0),
        receipts.request(request("R3", "S3")),
        receipts.active_profile("CPO1", "S2", {"start_date_time": "2030-01-01T00:00:00Z"}, T0),
    )

    assert len(commits) == 1
    assert answered is not None and (answered.id, answered.state, answered.timeout_s) == (
        "R1", RequestState.WAITING, 30,
    )  # fmt: skip
    assert resulted is not None and (resulted.id, resulted.state, resulted.result) == (
        "R2", RequestState.DONE, {"result": "ACCEPTED"},
    )  # fmt: skip
    assert stored is None
    async with database.reading() as uow:
        third = await uow.profile_requests.get("R3")
        active = await uow.active_profiles.get("CPO1", "S2")
    assert third is not None and third.state is RequestState.PENDING
    assert active == {"start_date_time": "2030-01-01T00:00:00Z"}
