"""What gateway processes share through the database: who holds a station (judged by its stamp), and
station commands taken once, never after their deadline, answered, forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.store import Database
from fera.store.gateway_protocols import StationCommand

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


async def test_a_station_is_held_by_the_gateway_it_joined_last_while_that_one_is_stamped(
    database: Database,
) -> None:
    async with database.unit_of_work() as uow:
        await uow.station_presence.hold("CS-1", "gw-a", NOW)
        await uow.station_presence.hold("CS-2", "gw-a", NOW)
        await uow.station_presence.hold("CS-1", "gw-b", NOW + SECOND)  # it reconnected to gw-b
    async with database.unit_of_work() as uow:
        assert await uow.station_presence.holder("CS-1", NOW) == "gw-b"
        assert await uow.station_presence.release("CS-1", "gw-a") is False  # gw-a's stale connection
        assert await uow.station_presence.holder("CS-1", NOW) == "gw-b"
        assert await uow.station_presence.held(NOW) == {"CS-1": "gw-b", "CS-2": "gw-a"}
        await uow.station_presence.stamp("gw-b", NOW + 10 * SECOND)
    async with database.unit_of_work() as uow:  # gw-a was not heard of since NOW: taken for dead
        assert await uow.station_presence.held(NOW + 5 * SECOND) == {"CS-1": "gw-b"}
        assert await uow.station_presence.holder("CS-2", NOW + 5 * SECOND) is None
        assert await uow.station_presence.release("CS-1", "gw-b") is True
        assert await uow.station_presence.holder("CS-1", NOW) is None


async def test_commands_are_taken_once_before_their_deadline_and_answered(database: Database) -> None:
    live = StationCommand("c1", "CS-1", {"action": "clear_tx_profile", "evse_id": 1}, NOW + 5 * SECOND)
    late = StationCommand("c2", "CS-1", {"action": "clear_tx_profile", "evse_id": 2}, NOW - SECOND)
    other = StationCommand("c3", "CS-2", {"action": "clear_tx_profile", "evse_id": 1}, NOW + 5 * SECOND)
    async with database.unit_of_work() as uow:
        for command in (live, late, other):
            await uow.station_commands.queue(command)
    async with database.unit_of_work() as uow:
        assert await uow.station_commands.take(["CS-1"], NOW) == [live]
    async with database.unit_of_work() as uow:
        assert await uow.station_commands.take(["CS-1"], NOW) == []  # taken: never sent twice
        assert await uow.station_commands.answer_of("c1") is None
        await uow.station_commands.answer("c1", {"result": "ACCEPTED"})
    async with database.unit_of_work() as uow:
        assert await uow.station_commands.answer_of("c1") == {"result": "ACCEPTED"}
        await uow.station_commands.forget("c1")
        await uow.station_commands.forget("c3")  # given up on before a gateway took it
    async with database.unit_of_work() as uow:
        assert await uow.station_commands.answer_of("c1") is None
        assert await uow.station_commands.take(["CS-1", "CS-2"], NOW - 2 * SECOND) == [late]
        await uow.station_commands.purge(NOW)
    async with database.unit_of_work() as uow:
        await uow.station_commands.queue(late)  # purged: its id is free again
