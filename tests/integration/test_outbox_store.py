"""What the outbox's delivery rests on in the store: an object's pushes are claimed together and in order,
by one unit of work at a time (PostgreSQL: an advisory lock per object, let go when it ends), an object
waiting to try a failed push again is left alone until it is due, and a push of our own Session keeps only
its change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.ocpi.auth import Party
from fera.ocpi.peer import PeerRequest
from fera.ocpi.types import Role
from fera.store import Database
from fera.store.outbox_protocols import CurrentObject, OutboxPush, PushedObject
from tests.integration.chargingprofiles.setup import session

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CURRENT = ("sessions", "NL", "CPO", "S1")


def push(key: str, kwh: float) -> OutboxPush:
    put = PeerRequest("PUT", f"http://emsp/sessions/{key}", {"kwh": kwh}, {"type": "RFID"})
    return OutboxPush(key, "p", "sessions", Party("NL", "EMS", Role.EMSP), "CPO", put, held=kwh > 0)


async def test_an_objects_pushes_are_claimed_in_order_by_one_unit_of_work(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.outbox.add([push("A", 0.0), push("B", 0.0), push("A", 1.0)], NOW)
    async with database.unit_of_work() as first:
        claimed = await first.outbox.claim(10, NOW)
        assert [(q.push.key, q.push.put.json) for q in claimed] == [
            ("A", {"kwh": 0.0}),
            ("B", {"kwh": 0.0}),
            ("A", {"kwh": 1.0}),
        ]
        assert claimed[0].push == push("A", 0.0) and claimed[0].written_at == NOW
        if database.shared:  # another worker meanwhile: nothing of what the first holds
            async with database.unit_of_work() as second:
                assert await second.outbox.claim(10, NOW) == []
        await first.outbox.remove([claimed[0].id, claimed[1].id])
        await first.outbox.set_object("A", PushedObject(stale=True))
    async with database.unit_of_work() as again:  # the first one ended: what it left is claimable
        (left,) = await again.outbox.claim(10, NOW)
        assert left.push.put.json == {"kwh": 1.0} and await again.outbox.objects(["A", "B"]) == {
            "A": PushedObject(stale=True)
        }


async def test_an_object_waiting_to_try_again_is_left_alone_until_it_is_due(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.outbox.add([push("A", 0.0)], NOW)
    async with database.unit_of_work() as uow:
        (failed,) = await uow.outbox.claim(10, NOW)
        await uow.outbox.mark_tried([failed.id])
        await uow.outbox.postpone([failed.id], NOW + timedelta(seconds=2), 1)
    async with database.unit_of_work() as uow:
        await uow.outbox.add([push("A", 1.0)], NOW)  # a later change is due at once, but waits behind it
        assert await uow.outbox.claim(10, NOW + timedelta(seconds=1)) == []
    async with database.unit_of_work() as uow:
        claimed = await uow.outbox.claim(10, NOW + timedelta(seconds=2))
        assert [(q.attempts, q.tried) for q in claimed] == [(1, True), (0, False)]
        await uow.outbox.release_held(NOW)
        assert await uow.outbox.pending() == 2


async def test_a_push_of_our_own_session_keeps_its_change_and_reads_the_session_whole_as_it_is(
    database: Database,
) -> None:
    """A day-long Session's reading must not store its 480 ChargingPeriods again: the row keeps the PATCH,
    and the whole is read with the last push written by then (one snapshot), which it stands for."""
    ours = session("S1", "LOC1-E1")
    key = "p|sessions|NL|CPO|S1"
    put = PeerRequest("PUT", "http://emsp/sessions/NL/CPO/S1", ours)
    change = PeerRequest("PATCH", "http://emsp/sessions/NL/CPO/S1", {"kwh": 2.0})
    to = Party("NL", "EMS", Role.EMSP)
    reading = OutboxPush(key, "p", "sessions", to, "CPO", put, change, held=True, current=CURRENT)
    async with database.unit_of_work() as uow:
        await uow.sessions.put(ours, None)
        await uow.outbox.add([reading, reading], NOW)
    async with database.unit_of_work() as uow:
        first, second = await uow.outbox.claim(10, NOW)
        assert first.push.put == PeerRequest("PUT", put.url, None)  # the Session is not in the row
        assert first.push.change == change and first.push.current == CURRENT
        now = await uow.outbox.current(first.push)
        assert now == CurrentObject(ours.to_wire(), second.id)
        await uow.outbox.add([reading], NOW)  # written after the read: not in what it stands for
        await uow.outbox.remove_through(key, second.id)
    async with database.unit_of_work() as uow:
        (left,) = await uow.outbox.claim(10, NOW)
        assert left.id > second.id and (await uow.outbox.current(left.push)).through == left.id
        await uow.sessions.put(ours.model_copy(update={"kwh": 3.0}), None)
        assert (await uow.outbox.current(left.push)).wire["kwh"] == 3.0
