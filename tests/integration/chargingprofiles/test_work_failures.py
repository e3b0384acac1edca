"""A failure in a job's work after the station answered (here: the ActiveChargingProfile's push) is logged
at once with its cause, and the Sender still gets its result."""

from __future__ import annotations

import logging

import pytest

from fera.cpo.chargingprofiles.active import ActiveProfiles
from fera.smartcharging.model import RequestState
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.nodes import NodeFactory, connect, role

pytestmark = pytest.mark.timeout(120)


async def test_a_failed_push_is_logged_and_the_result_still_arrives(
    node_factory: NodeFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    partner, _ = await connect(emsp, cpo)
    await seed(cpo, [location()], [session("S1", "LOC1-E1")])

    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ActiveProfiles, "refresh", broken)
    sender = emsp.node.profile_sender
    assert sender is not None
    with caplog.at_level(logging.ERROR, logger="fera.cpo.chargingprofiles.applier"):
        request = await sender.set_profile(partner.id, "S1", amps((0, 16.0)))
        done = await sender.wait(request.id, timeout=60)
        assert cpo.node.cpo_profiles is not None
        await cpo.node.cpo_profiles.applier.drain()  # the push runs beside the result's POST
    assert (done.state, done.result) == (RequestState.DONE, {"result": "ACCEPTED"})
    failures = [r for r in caplog.records if r.getMessage().startswith("profile work failed")]
    assert len(failures) == 1 and "the database went away" in failures[0].getMessage()
