"""What owning a piece of work and ending a request at its deadline rest on in the store: one lease per name
at a time (PostgreSQL: an advisory lock on a connection of its own; SQLite: the one process owns), and a
deadline that never overwrites a result recorded first."""

from __future__ import annotations

from datetime import UTC, datetime

from fera.smartcharging.model import ProfileRequest, RequestKind, RequestState
from fera.store import Database

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def test_one_lease_per_name_until_it_is_released(database: Database) -> None:
    first = await database.try_own("planner")
    assert first is not None and await first.held()
    other = await database.try_own("profile deadlines")  # another name: another piece of work
    assert other is not None
    second = await database.try_own("planner")
    if database.shared:
        assert second is None  # another process (here: connection) holds it
    else:
        assert second is not None  # one process: it owns every piece of work
    await first.release()
    again = await database.try_own("planner")
    assert again is not None and await again.held()
    for lease in (other, again, second):
        if lease is not None:
            await lease.release()


def request(request_id: str, state: RequestState) -> ProfileRequest:
    return ProfileRequest(request_id, RequestKind.SET, "P1", "S1", state, NOW)


async def test_a_deadline_ends_only_a_request_still_open(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.profile_requests.add(request("waiting", RequestState.WAITING))
        await uow.profile_requests.add(request("done", RequestState.DONE))
    async with database.unit_of_work() as uow:
        expired = await uow.profile_requests.expire("waiting")
        assert expired is not None and expired.state is RequestState.TIMED_OUT
        assert await uow.profile_requests.expire("done") is None  # its result came first: it stays DONE
        assert await uow.profile_requests.expire("waiting") is None  # once
        assert await uow.profile_requests.expire("unknown") is None
    async with database.unit_of_work() as uow:
        done = await uow.profile_requests.get("done")
        timed_out = await uow.profile_requests.get("waiting")
    assert done is not None and done.state is RequestState.DONE
    assert timed_out is not None and timed_out.state is RequestState.TIMED_OUT
