"""`KeyedLocks`: one lock per key while in use, none kept for keys nobody uses."""

from __future__ import annotations

import asyncio

from fera.keyed_locks import KeyedLocks


async def test_one_key_excludes_and_another_does_not() -> None:
    locks: KeyedLocks[str] = KeyedLocks()
    order: list[str] = []
    first_in = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with locks["s1"]:
            order.append("first in")
            first_in.set()
            await release_first.wait()
            order.append("first out")

    async def second() -> None:
        await first_in.wait()
        async with locks["s1"]:
            order.append("second in")

    async def other() -> None:
        await first_in.wait()
        async with locks["s2"]:
            order.append("other in")

    tasks = [asyncio.create_task(c) for c in (first(), second(), other())]
    await first_in.wait()
    while "other in" not in order:  # another key is free while s1 is held
        await asyncio.sleep(0)
    release_first.set()
    await asyncio.gather(*tasks)
    assert order == ["first in", "other in", "first out", "second in"]


async def test_no_lock_is_kept_for_a_key_nobody_uses() -> None:
    locks: KeyedLocks[str] = KeyedLocks()
    for n in range(1000):  # a thousand sessions, each written once
        async with locks[f"session-{n}"]:
            assert len(locks) == 1
    assert len(locks) == 0


async def test_a_lock_held_outside_a_with_block_stays_the_keys_lock() -> None:
    locks: KeyedLocks[int] = KeyedLocks()
    held = locks[7]
    await held.acquire()  # as `ChargingProfileApplier._session_lock` hands a held lock to its caller
    assert locks[7] is held and locks[7].locked()
    held.release()
    del held
    assert len(locks) == 0
