"""A TxProfile the CPO sends again (a site's new share) carries every sender's profile as it is when it steers
the session: a profile a job applied and kept while the resend waited for the session is not undone.

On PostgreSQL a site's resend waits for the site's lock, which a job holds from its station call until its
sender's profile is stored; a resend that read the profiles before that wait sent the station the old ones
(an SCSP's 7.3 A undone at the station, which took the bare 16.3 A share, while every ActiveChargingProfile
said 7.3 A: the shape test_phases failed with, and nothing would have sent the 7.3 A again).
Here the wait is a gate before the session is steered, opened once the job is through.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from fera.charging import Schedule
from fera.cpo.chargingprofiles.local_limits import LocalLimits
from fera.cpo.chargingprofiles.sessions import SteerableSession
from fera.ocpi.chargingprofiles.models import ChargingProfileResultType
from tests.integration.chargingprofiles.setup import amps
from tests.integration.stations.conftest import StageFactory
from tests.integration.stations.stage import SPECS, WAIT_S, ev

pytestmark = pytest.mark.timeout(90)


class GatedLimits:
    """The CPO's local limits, with the first steering of a session held at a gate until the test opens it
    (as a resend waits behind a job that holds the site's lock)."""

    def __init__(self, inner: LocalLimits) -> None:
        self.inner = inner
        self.waiting, self.opened = asyncio.Event(), asyncio.Event()

    async def for_session(self, session: SteerableSession) -> Schedule | None:
        return await self.inner.for_session(session)

    async def sending(self, session: SteerableSession, limit: Schedule) -> None:
        await self.inner.sending(session, limit)

    async def sent(self, session: SteerableSession, limit: Schedule, accepted: bool) -> None:
        await self.inner.sent(session, limit, accepted)

    @asynccontextmanager
    async def steering(self, session: SteerableSession) -> AsyncIterator[None]:
        if not self.waiting.is_set():  # the first one waits; the job after it passes
            self.waiting.set()
            await self.opened.wait()
        async with self.inner.steering(session):
            yield


async def test_a_resend_sends_the_profile_a_job_kept_while_it_waited_to_steer_the_session(
    stages: StageFactory,
) -> None:
    stage = await stages()
    (session,) = await stage.charging(SPECS[1:], (ev("ST201", 1),))
    module = stage.cpo.node.cpo_profiles
    assert module is not None
    gate = module.active.local_limits = GatedLimits(module.active.local_limits)
    # As a site's balancer resends on PostgreSQL: not behind the session's jobs, behind the site's lock.
    resend = asyncio.create_task(module.applier.resend(session.id, after_jobs=False))
    async with asyncio.timeout(WAIT_S):
        await gate.waiting.wait()

    request = await stage.sender.set_profile(stage.cpo_id, session.id, amps((0, 10.0)))
    assert (await stage.sender.wait(request.id, timeout=WAIT_S)).result == {"result": "ACCEPTED"}
    gate.opened.set()
    async with asyncio.timeout(WAIT_S):
        assert await resend is ChargingProfileResultType.ACCEPTED

    # What the station holds now, by its own composite schedule: the eMSP's 10 A (not cleared to 32 A).
    asked = await stage.sender.get_active_profile(stage.cpo_id, session.id, 900)
    got = await stage.sender.wait(asked.id, timeout=WAIT_S)
    assert got.result is not None and got.result["result"] == "ACCEPTED"
    periods = got.result["profile"]["charging_profile"]["charging_profile_period"]
    assert [p["limit"] for p in periods] == [10.0]
