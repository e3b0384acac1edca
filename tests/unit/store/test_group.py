"""fera.store.group: what callers hand in while a group is being written forms the next group."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy.exc import IntegrityError

from fera.store.group import GroupCommit


class Writer:
    """Records each group; the first group waits for `release`, so the test decides when it ends."""

    def __init__(self, fail_on: str | None = None, refuse: str | None = None) -> None:
        self.groups: list[list[str]] = []
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.fail_on = fail_on
        self.refuse = refuse  # the database refuses this item's row

    async def write(self, items: Sequence[str]) -> list[str]:
        self.groups.append(list(items))
        if len(self.groups) == 1:
            self.started.set()
            await self.release.wait()
        if self.fail_on in items:
            raise RuntimeError(f"cannot write {self.fail_on}")
        if self.refuse in items:
            raise IntegrityError("INSERT", {}, Exception(f"UNIQUE constraint failed: {self.refuse}"))
        return [item.upper() for item in items]


async def test_callers_arriving_during_a_write_share_the_next_group() -> None:
    writer = Writer()
    commit = GroupCommit(writer.write)
    first = asyncio.create_task(commit("a"))
    await writer.started.wait()  # "a" is being written alone
    later = [asyncio.create_task(commit(x)) for x in ("b", "c", "d")]
    await asyncio.sleep(0)  # let them queue
    writer.release.set()
    assert await first == "A"
    assert [await task for task in later] == ["B", "C", "D"]
    assert writer.groups == [["a"], ["b", "c", "d"]]


async def test_a_group_is_bounded() -> None:
    writer = Writer()
    commit = GroupCommit(writer.write, most=2)
    first = asyncio.create_task(commit("a"))
    await writer.started.wait()
    later = [asyncio.create_task(commit(x)) for x in ("b", "c", "d", "e", "f")]
    await asyncio.sleep(0)
    writer.release.set()
    assert await asyncio.gather(first, *later) == ["A", "B", "C", "D", "E", "F"]
    assert writer.groups == [["a"], ["b", "c"], ["d", "e"], ["f"]]


async def test_a_failed_group_fails_each_of_its_callers_and_the_next_one_is_written() -> None:
    writer = Writer(fail_on="c")
    commit = GroupCommit(writer.write)
    first = asyncio.create_task(commit("a"))
    await writer.started.wait()
    failing = [asyncio.create_task(commit(x)) for x in ("b", "c")]
    await asyncio.sleep(0)
    writer.release.set()
    assert await first == "A"
    for task in failing:
        with pytest.raises(RuntimeError, match="cannot write c"):
            await task
    assert await commit("e") == "E"  # a new group, written at once
    assert writer.groups == [["a"], ["b", "c"], ["e"]]


async def test_a_row_the_database_refuses_fails_only_its_own_caller() -> None:
    writer = Writer(refuse="c")
    commit = GroupCommit(writer.write)
    first = asyncio.create_task(commit("a"))
    await writer.started.wait()
    later = [asyncio.create_task(commit(x)) for x in ("b", "c", "d")]
    await asyncio.sleep(0)
    writer.release.set()
    assert await first == "A"
    assert await later[0] == "B" and await later[2] == "D"
    with pytest.raises(IntegrityError, match="UNIQUE constraint failed: c"):
        await later[1]
    # the group was refused as a whole (rolled back), then written again one item at a time
    assert writer.groups == [["a"], ["b", "c", "d"], ["b"], ["c"], ["d"]]
    assert await commit("e") == "E"


async def test_an_idle_commit_writes_a_group_of_one_at_once() -> None:
    writer = Writer()
    writer.release.set()
    commit = GroupCommit(writer.write)
    assert await commit("a") == "A"
    assert await commit("b") == "B"
    assert writer.groups == [["a"], ["b"]]
