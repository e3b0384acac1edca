"""The CPO's store of each Sender's profile: a group of jobs keeps its profiles in one go, as one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event

from fera.smartcharging.model import SenderProfile, SenderProfileChange
from fera.store import Database

T0 = datetime(2030, 1, 1, tzinfo=UTC)
T1 = datetime(2030, 1, 1, 0, 5, tzinfo=UTC)
PROFILE: dict[str, Any] = {
    "charging_rate_unit": "A",
    "charging_profile_period": [{"start_period": 0, "limit": 11.0}],
}


async def test_set_profiles_sets_and_clears_in_one_call_as_set_profile_does(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.sender_profiles.mark_requests([("S1", "P1", T0)])
        await uow.sender_profiles.set_profiles([("S1", "P1", PROFILE)], T0)
    async with database.unit_of_work() as uow:  # a clear, a new profile and a clear of nothing, together
        await uow.sender_profiles.set_profiles(
            [("S1", "P1", None), ("S2", "P1", PROFILE), ("S3", "P2", None)], T1
        )
    async with database.unit_of_work() as uow:
        rows = await uow.sender_profiles.for_sessions(["S1", "S2", "S3"])
    assert sorted(rows, key=lambda p: p.session_id) == [
        SenderProfile("S1", "P1", None, T0, T0),  # cleared: it remembers it set one, and when it last asked
        SenderProfile("S2", "P1", PROFILE, T1, T1),  # a new row: its request is the one kept
        SenderProfile("S3", "P2", None, None, T1),
    ]


async def test_add_changes_keeps_each_change_in_order(database: Database) -> None:
    changes = [
        SenderProfileChange("S1", "P1", T0, PROFILE),
        SenderProfileChange("S1", "P2", T0, None),
        SenderProfileChange("S1", "P1", T1, None),
        SenderProfileChange("S2", "P1", T1, PROFILE),
    ]
    async with database.unit_of_work() as uow:
        await uow.sender_profiles.add_changes(changes)
        await uow.sender_profiles.add_changes([])
    async with database.unit_of_work() as uow:
        assert await uow.sender_profiles.changes("S1") == changes[:3]
        assert await uow.sender_profiles.changes("S2") == changes[3:]


async def test_inputs_of_reads_the_profiles_and_the_last_pushes_in_one_statement(database: Database) -> None:
    pushed = {"inputs": "abc", "limiting": [["2030-01-01T00:00:00Z", "P1"]]}
    async with database.unit_of_work() as uow:
        await uow.sender_profiles.set_profiles([("S1", "P1", PROFILE), ("S1", "P2", None)], T0)
        await uow.sender_profiles.set_pushed("S1", pushed, T0)
        await uow.sender_profiles.set_pushed("S3", {"inputs": "def"}, T1)  # pushed, no profile held now
    sent: list[str] = []
    event.listen(database.engine.sync_engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    async with database.reading() as uow:
        held, last = await uow.sender_profiles.inputs_of(["S1", "S2", "S3", "S1"])
    assert sorted(held, key=lambda p: p.partner_id) == [
        SenderProfile("S1", "P1", PROFILE, T0, T0),
        SenderProfile("S1", "P2", None, None, T0),
    ]
    assert last == {"S1": pushed, "S3": {"inputs": "def"}}
    assert len(sent) == 1


async def test_set_pushed_many_keeps_each_push_in_one_statement(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.sender_profiles.set_pushed("S1", {"inputs": "old"}, T0)
    sent: list[str] = []
    event.listen(database.engine.sync_engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    async with database.unit_of_work() as uow:  # a group of jobs' pushes: one replaces, one is new
        pushes = [("S1", {"inputs": "new"}, T1), ("S2", {"inputs": "b"}, T1)]
        await uow.sender_profiles.set_pushed_many(pushes)
        await uow.sender_profiles.set_pushed_many([])
    assert len([s for s in sent if "pushed_active_profiles" in s]) == 1
    async with database.unit_of_work() as uow:
        assert await uow.sender_profiles.last_pushed_many(["S1", "S2"]) == {
            "S1": {"inputs": "new"},
            "S2": {"inputs": "b"},
        }
