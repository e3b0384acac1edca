"""What a worker sends of one object's claimed pushes (`fera.exchange._outbox_plan.plan`): the in-memory
pusher's rules replayed from when each push was written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.exchange._outbox_plan import plan
from fera.ocpi.auth import Party
from fera.ocpi.peer import PeerRequest
from fera.ocpi.types import Role
from fera.store.outbox_protocols import OutboxPush, PushedObject, QueuedPush

T0 = datetime(2030, 1, 1, tzinfo=UTC)
URL = "http://emsp/sessions/NL/CPO/S1"


def row(n: int, at_s: float, kind: str, kwh: float = 0.0, *, tried: bool = False) -> QueuedPush:
    """kind: "put" (a whole Session), "reading" (a held PATCH) or "status" (a PATCH sent at once)."""
    period = {"start_date_time": "2030-01-01T00:00:00Z", "dimensions": [{"type": "ENERGY", "volume": kwh}]}
    change = None
    if kind != "put":
        body: dict[str, object] = {"status": "COMPLETED"}
        if kind == "reading":
            body = {"kwh": kwh, "charging_periods": [period]}
        body["last_updated"] = (T0 + timedelta(seconds=at_s)).isoformat()
        change = PeerRequest("PATCH", URL, body)
    push = OutboxPush(
        "p|sessions|NL|CPO|S1",
        "p",
        "sessions",
        Party("NL", "EMS", Role.EMSP),
        "CPO",
        PeerRequest("PUT", URL, {"kwh": kwh}),
        change,
        held=kind == "reading",
    )
    return QueuedPush(n, push, 0, T0 + timedelta(seconds=at_s), tried)


def sent(rows: list[QueuedPush], state: PushedObject, now_s: float, hold_s: float = 60.0) -> list[list[int]]:
    return [step.ids for step in plan(rows, state, hold_s, T0 + timedelta(seconds=now_s)).steps]


def test_a_newer_whole_object_supersedes_what_was_not_sent() -> None:
    rows = [row(1, 0, "put"), row(2, 1, "status"), row(3, 2, "put"), row(4, 3, "status")]
    planned = plan(rows, PushedObject(), 60.0, T0 + timedelta(seconds=4))
    assert (planned.superseded, [s.ids for s in planned.steps]) == ([1, 2], [[3], [4]])


def test_the_first_reading_goes_at_once_and_the_next_ones_wait_their_interval_joined() -> None:
    rows = [row(1, 0, "reading", 1.0), row(2, 10, "reading", 2.0), row(3, 20, "reading", 3.0)]
    planned = plan(rows, PushedObject(), 60.0, T0 + timedelta(seconds=30))
    assert [s.ids for s in planned.steps] == [[1]] and planned.later == ([2, 3], T0 + timedelta(seconds=60))
    later = plan(rows[1:], PushedObject(held_sent_at=planned.held_sent_at), 60.0, T0 + timedelta(seconds=60))
    (joined,) = later.steps
    assert joined.ids == [2, 3] and joined.push.change is not None
    assert joined.push.change.json["kwh"] == 3.0 and len(joined.push.change.json["charging_periods"]) == 2


def test_another_change_sends_what_is_held_first() -> None:
    rows = [row(1, 0, "reading", 1.0), row(2, 10, "reading", 2.0), row(3, 20, "status")]
    assert sent(rows, PushedObject(), 30) == [[1], [2], [3]]


def test_an_interval_of_zero_holds_nothing() -> None:
    rows = [row(1, 0, "reading", 1.0), row(2, 0, "reading", 2.0)]
    assert sent(rows, PushedObject(held_sent_at=T0), 0, hold_s=0.0) == [[1], [2]]


def test_a_drain_releases_what_was_held_when_it_was_called() -> None:
    rows = [row(1, 10, "reading", 1.0), row(2, 20, "reading", 2.0)]
    state = PushedObject(held_sent_at=T0, released_through=T0 + timedelta(seconds=20))
    assert sent(rows, state, 21) == [[1, 2]]


def test_what_a_dead_worker_may_have_sent_goes_again_whole() -> None:
    rows = [row(1, 0, "reading", 1.0, tried=True), row(2, 1, "reading", 2.0, tried=True), row(3, 2, "status")]
    planned = plan(rows, PushedObject(), 60.0, T0 + timedelta(seconds=3))
    assert planned.superseded == [1] and [s.ids for s in planned.steps] == [[2], [3]]
    assert planned.steps[0].push.change is None  # the Session as it was after reading 2, with PUT
