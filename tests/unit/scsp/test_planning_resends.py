"""A plan that did not reach the CPO is sent again: sooner after a first failure, later while they go on, and
only when the failed request carried the profile taken as in force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.scsp.planning_resends import FIRST_RESEND_S, Resends, carries
from fera.smartcharging.model import ProfileRequest, RequestKind, RequestState
from tests.integration.chargingprofiles.setup import amps

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=15)
KEY = ("cpo", "S1")


def test_the_wait_doubles_while_sends_fail_up_to_the_step_and_starts_over_once_one_is_applied() -> None:
    resends = Resends(STEP)
    waits = [resends.failed(KEY) for _ in range(10)]
    assert waits[:3] == [FIRST_RESEND_S, 2 * FIRST_RESEND_S, 4 * FIRST_RESEND_S]
    assert waits[-1] == STEP.total_seconds()  # never later than the periodic re-plan
    assert resends.failed(("cpo", "S2")) == FIRST_RESEND_S  # each session on its own
    resends.applied(KEY)
    assert resends.failed(KEY) == FIRST_RESEND_S


def request(limit: float) -> ProfileRequest:
    profile = amps((0, limit), start_date_time=T0.isoformat())
    return ProfileRequest("r", RequestKind.SET, "cpo", "S1", RequestState.DONE, T0, profile.to_wire())


def test_only_the_request_that_carried_the_profile_in_force_counts() -> None:
    sent = amps((0, 6.1), start_date_time=T0.isoformat())
    assert carries(request(6.1), sent)
    assert not carries(request(17.1), sent)  # an older plan's request: superseded by the one in flight
    assert not carries(request(6.1), None)  # already forgotten: its resend is on its way
