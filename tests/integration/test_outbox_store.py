"""What the outbox's delivery rests on in the store: an object's pushes are claimed together and in order,
by one unit of work at a time (PostgreSQL: an advisory lock per object, let go when it ends), and an object
waiting to try a failed push again is left alone until it is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.ocpi.auth import Party
from fera.ocpi.peer import PeerRequest
from fera.ocpi.types import Role
from fera.store import Database
from fera.store.outbox_protocols import OutboxPush, PushedObject

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


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
