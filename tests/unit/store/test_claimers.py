"""fera.store.claimers: a claim per announcement; more only while claims come back full or news was missed."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from fera.store.claimers import Claimers

BATCH = 4


class Queue:
    """Work queued as a count; each claim takes up to BATCH of what is queued as it begins (a transaction's
    snapshot), then waits for `release` when told to."""

    def __init__(self, queued: int = 0, hold: bool = False) -> None:
        self.queued, self.claims, self.taken = queued, 0, list[int]()
        self.release = asyncio.Event()
        self.claiming = asyncio.Event()
        if not hold:
            self.release.set()

    async def claim(self) -> int:
        self.claims += 1
        taken = min(self.queued, BATCH)
        self.queued -= taken
        self.claiming.set()
        await self.release.wait()
        self.taken.append(taken)
        return taken


class Tasks:
    def __init__(self) -> None:
        self.running: set[asyncio.Task[None]] = set()

    def start(self, claimer: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(claimer)
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def done(self) -> None:
        while self.running:
            await asyncio.gather(*list(self.running))


async def test_one_announced_job_is_one_claim() -> None:
    queue, tasks = Queue(queued=1), Tasks()
    claimers = Claimers(queue.claim, BATCH, most=4, start=tasks.start)
    claimers.wake()
    await tasks.done()
    assert (queue.claims, queue.taken, claimers.running) == (1, [1], 0)


async def test_a_full_claim_claims_again_until_one_is_not() -> None:
    queue, tasks = Queue(queued=9), Tasks()
    claimers = Claimers(queue.claim, BATCH, most=4, start=tasks.start)
    claimers.wake()
    await tasks.done()
    assert queue.taken == [4, 4, 1]


async def test_news_while_every_claimer_is_busy_is_claimed_by_a_running_one() -> None:
    queue, tasks = Queue(hold=True), Tasks()
    claimers = Claimers(queue.claim, BATCH, most=2, start=tasks.start)
    claimers.wake()
    await queue.claiming.wait()
    queue.claiming.clear()
    claimers.wake()
    await queue.claiming.wait()
    assert (claimers.running, queue.claims) == (2, 2)
    queue.queued = 1  # queued after both claims began, and announced
    claimers.wake()  # both busy: noted, not a third claimer
    assert claimers.running == 2
    queue.release.set()
    await tasks.done()
    assert sorted(queue.taken) == [0, 0, 1]  # one of them claimed once more, and took it


async def test_news_before_a_woken_claimer_claims_needs_no_other() -> None:
    queue, tasks = Queue(queued=3), Tasks()
    claimers = Claimers(queue.claim, BATCH, most=4, start=tasks.start)
    for _ in range(3):  # three jobs of one commit, each announced
        claimers.wake()
    assert claimers.running == 1
    await tasks.done()
    assert queue.taken == [3]


async def test_work_queued_here_wakes_once_whether_its_notification_comes_first_or_not() -> None:
    queue, tasks = Queue(queued=1), Tasks()
    claimers = Claimers(queue.claim, BATCH, most=4, start=tasks.start)
    claimers.queued_here("J1")
    await tasks.done()
    claimers.heard("J1")  # its own notification, after the claim took it
    await tasks.done()
    queue.queued = 1
    claimers.heard("J2")  # the notification first (the listener read it before the commit's answer)
    await tasks.done()
    claimers.queued_here("J2")
    claimers.heard("J3")  # another process's
    await tasks.done()
    assert queue.taken == [1, 1, 0]


async def test_a_poll_claims_only_when_no_claim_began_since_the_last() -> None:
    queue, tasks = Queue(), Tasks()
    claimers = Claimers(queue.claim, BATCH, most=4, start=tasks.start)
    claimers.poll()  # nothing claimed yet: it looks
    await tasks.done()
    claimers.poll()  # that look was a claim: this one is skipped
    await tasks.done()
    claimers.poll()
    await tasks.done()
    assert queue.claims == 2


async def test_a_stopping_process_starts_no_claim() -> None:
    queue, tasks = Queue(queued=1), Tasks()
    claimers = Claimers(queue.claim, BATCH, most=4, start=tasks.start)
    claimers.stopping = True
    claimers.wake()
    await tasks.done()
    assert queue.claims == 0
