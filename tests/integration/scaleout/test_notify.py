"""A worker learns of a job the moment an API process queues it (PostgreSQL NOTIFY), not at its next poll."""

from __future__ import annotations

import pytest

from fera.config import ContractConfig
from fera.cpo.chargingprofiles import applier
from fera.node import create_node
from fera.parts import Process
from fera.smartcharging.model import RequestState
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.nodes import NodeFactory, connect, role

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


async def test_a_queued_job_wakes_an_idle_worker(
    node_factory: NodeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(applier, "POLL_S", 3600.0)  # past the test's timeout: only the notification wakes it
    contract = ContractConfig(scsp="NL*SCS", locations=["LOC1"])
    api = frozenset({Process.API})
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", contracts=[contract], processes=api)
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", plan_sessions=False)
    cpo_id = (await connect(scsp, cpo))[0].id
    await seed(cpo, [location()], [session("S1", "LOC1-E1")])
    worker = create_node(cpo.node.config, processes=frozenset({Process.WORKER}))
    await worker.start()  # looks once (nothing queued yet), then sleeps until notified
    try:
        sender = scsp.node.profile_sender
        assert sender is not None
        request = await sender.set_profile(cpo_id, "S1", amps((0, 10.0)))
        assert request.response == "ACCEPTED"
        done = await sender.wait(request.id, timeout=60)
        assert (done.state, done.result) == (RequestState.DONE, {"result": "ACCEPTED"})
    finally:
        await worker.stop()
