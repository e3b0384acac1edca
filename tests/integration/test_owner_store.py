"""What owning a piece of work and ending a request at its deadline rest on in the store: one lease per name
at a time (PostgreSQL: an advisory lock on a connection of its own; SQLite: the one process owns), and a
deadline, an answer or a failure that never overwrites a result recorded first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


async def test_an_answer_or_a_failure_never_moves_a_request_back_from_its_result(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.profile_requests.add(request("r1", RequestState.PENDING))
        await uow.profile_requests.add(request("r2", RequestState.PENDING))
    async with database.unit_of_work() as uow:
        done = await uow.profile_requests.resulted("r1", "P1", {"result": "ACCEPTED"}, NOW)
        assert done is not None and (done.state, done.late) == (RequestState.DONE, False)
        answered = await uow.profile_requests.answered("r1", "ACCEPTED", 30, NOW, RequestState.WAITING)
        failed = await uow.profile_requests.failed("r1", "the answer was lost")
        assert (
            await uow.profile_requests.resulted("r2", "P2", {"result": "ACCEPTED"}, NOW) is None
        )  # not P2's
        refused = await uow.profile_requests.answered("r2", "REJECTED", 30, NOW, RequestState.REFUSED)
    assert answered is not None and failed is not None and refused is not None
    assert (failed.state, failed.result, failed.error) == (RequestState.DONE, {"result": "ACCEPTED"}, None)
    assert (failed.response, failed.timeout_s, failed.deadline) == (
        "ACCEPTED",
        30,
        NOW + timedelta(seconds=30),
    )
    assert (refused.state, refused.deadline, refused.result) == (RequestState.REFUSED, None, None)


async def test_a_result_after_the_deadline_is_late(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.profile_requests.add(request("expired", RequestState.PENDING))
        await uow.profile_requests.add(request("slow", RequestState.PENDING))
    async with database.unit_of_work() as uow:
        for request_id in ("expired", "slow"):
            await uow.profile_requests.answered(request_id, "ACCEPTED", 30, NOW, RequestState.WAITING)
        await uow.profile_requests.expire("expired")
        expired = await uow.profile_requests.resulted("expired", "P1", {"result": "REJECTED"}, NOW)
        slow = await uow.profile_requests.resulted(
            "slow", "P1", {"result": "ACCEPTED"}, NOW + timedelta(seconds=31)
        )
        in_time = await uow.profile_requests.resulted("slow", "P1", {"result": "ACCEPTED"}, NOW)
    assert expired is not None and (expired.state, expired.late) == (RequestState.DONE, True)
    assert slow is not None and (slow.state, slow.late) == (RequestState.DONE, True)
    assert in_time is not None and in_time.late is False  # a second result: the last one counts
