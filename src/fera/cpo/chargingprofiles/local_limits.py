"""The CPO's own limit on a session beside the senders' profiles: the seam site load management plugs into."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Protocol

from fera.charging import Schedule
from fera.cpo.chargingprofiles.sessions import SteerableSession

__all__ = ["LocalLimits", "NoLocalLimits"]


class LocalLimits(Protocol):
    """The CPO's own limit for a session (site load management); None = nothing beyond the hardware.

    `sending` and `sent` are told of every TxProfile sent to a session it limits, and of the station's
    answer: what each station may be enforcing, so that a site's increases need not always wait. A
    TxProfile is computed and sent `steering` the session: no other process changes its site meanwhile."""

    async def for_session(self, session: SteerableSession) -> Schedule | None: ...
    async def sending(self, session: SteerableSession, limit: Schedule) -> None: ...
    async def sent(self, session: SteerableSession, limit: Schedule, accepted: bool) -> None: ...
    def steering(self, session: SteerableSession) -> AbstractAsyncContextManager[None]: ...


class NoLocalLimits:
    async def for_session(self, session: SteerableSession) -> Schedule | None:
        return None

    async def sending(self, session: SteerableSession, limit: Schedule) -> None:
        pass

    async def sent(self, session: SteerableSession, limit: Schedule, accepted: bool) -> None:
        pass

    def steering(self, session: SteerableSession) -> AbstractAsyncContextManager[None]:
        return nullcontext()
