"""Plans that did not reach the CPO are sent again, sooner than the next periodic re-plan (pure).

A SetChargingProfile ends without its profile in force when the CPO's result is not ACCEPTED (a job that
waited past its deadline on a loaded CPO is REJECTED unapplied), when no result comes within its `timeout`,
or when the CPO can't be reached. The planner sends only profiles that change, so until it forgets what it
sent, the plan stays unsent (for a whole step, until the periodic re-plan) while the car draws what the CPO
had before: under load an SCSP planned a car at 6.1 A and its station went on at a 14.9 A share.

Only the request that carried the profile taken as in force counts: a failed older one was superseded by a
newer one, whose own end decides. The wait before sending again doubles while a session's sends keep failing
(a station that is gone has each one REJECTED at once), up to the step.
"""

from __future__ import annotations

from datetime import timedelta

from fera.ocpi.chargingprofiles.models import ChargingProfile
from fera.scsp.planning_inputs import SessionKey
from fera.smartcharging.model import ProfileRequest

__all__ = ["FIRST_RESEND_S", "Resends", "carries"]

FIRST_RESEND_S = 5.0  # after a first failure: a loaded CPO gets a moment, the car its plan soon


def carries(request: ProfileRequest, sent: ChargingProfile | None) -> bool:
    """Did this request send the profile taken as in force (`sent`)?"""
    return sent is not None and request.payload == sent.to_wire()


class Resends:
    def __init__(self, step: timedelta) -> None:
        self.most_s = step.total_seconds()  # never later than the periodic re-plan would send it
        self._failed: dict[SessionKey, int] = {}  # sends failed in a row, per session

    def failed(self, key: SessionKey) -> float:
        """One more send on the session failed: seconds until its plan is sent again."""
        count = self._failed.get(key, 0)
        self._failed[key] = count + 1
        return min(FIRST_RESEND_S * 2.0**count, self.most_s)

    def applied(self, key: SessionKey) -> None:
        """A profile sent on the session is in force (or the session ended): a next failure waits least."""
        self._failed.pop(key, None)
