"""What processes balancing the same sites share through the database: each session's share and what its
station may enforce, which stations did not take their TxProfile, and the rounds left unfinished."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.charging import Schedule
from fera.cpo.chargingprofiles.site_shared import SharedSites, decode, encode
from fera.store import Database
from fera.store.site_protocols import SiteRow

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
STEP = Schedule([(NOW, 4_000.0), (NOW + timedelta(hours=1), 6_900.0), (NOW + timedelta(hours=48), None)])


def test_a_schedule_is_stored_as_it_is() -> None:
    assert decode(encode(STEP)) == STEP
    assert decode(encode(Schedule.constant(0.0), NOW)) == Schedule.constant(0.0)
    assert encode(STEP, NOW)["until"] == NOW.isoformat()


async def test_shares_replace_the_site_s_sessions_and_keep_what_stations_enforce(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await uow.site_shares.lock("0:LOC1")  # nothing else holds it
        await uow.site_shares.put_shares("0:LOC1", {"A": encode(STEP, NOW), "B": encode(STEP, NOW)})
        await uow.site_shares.put_shares("1:LOC2", {"C": encode(STEP, NOW)})
        await uow.site_shares.put_in_force("0:LOC1", "A", encode(Schedule.constant(7_000.0)))
        await uow.site_shares.put_in_force(
            "0:LOC1", "D", encode(Schedule.constant(0.0))
        )  # sent, no share yet
    async with database.unit_of_work() as uow:
        rows = await uow.site_shares.rows("0:LOC1")
        assert rows == {
            "A": SiteRow(encode(STEP, NOW), encode(Schedule.constant(7_000.0))),
            "B": SiteRow(encode(STEP, NOW), None),
            "D": SiteRow(None, encode(Schedule.constant(0.0))),
        }
        await uow.site_shares.put_shares("0:LOC1", {"A": encode(Schedule.constant(1.0), NOW)})  # B, D gone
    async with database.unit_of_work() as uow:
        assert await uow.site_shares.rows("0:LOC1") == {
            "A": SiteRow(encode(Schedule.constant(1.0), NOW), encode(Schedule.constant(7_000.0)))
        }
        assert await uow.site_shares.share("C") == encode(STEP, NOW)  # another site's, untouched
        assert await uow.site_shares.share("B") is None


async def test_unapplied_sessions_and_unfinished_rounds_are_found(database: Database) -> None:
    shared = SharedSites(database)
    await shared.put_shares("0:LOC1", {"A": (STEP, NOW), "B": (STEP, NOW)})
    await shared.put_unapplied("a", True)  # any case: session ids are kept upper-cased
    assert await shared.unapplied() == ["A"]
    await shared.put_unapplied("A", False)
    assert await shared.unapplied() == []
    await shared.round_started("0:LOC1", NOW)
    await shared.round_started("1:LOC2", NOW)
    await shared.round_finished("1:LOC2", NOW)
    assert await shared.unfinished() == ["0:LOC1"]
    async with shared.exclusive("0:LOC1") as state:  # the lock, and the state as stored
        assert state is not None and state.shares == {"A": (STEP, NOW), "B": (STEP, NOW)}
        assert shared.holds("0:LOC1") and not shared.holds("1:LOC2")
        async with shared.exclusive("0:LOC1") as again:
            assert again is None  # held by this task already
    assert not shared.holds("0:LOC1")
