"""The Sender stores the requests it sends at once in one transaction, each before it goes out, and records
their answers in groups too: every request still gets its own answer, result and stored row."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from fera.smartcharging.model import RequestState
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
