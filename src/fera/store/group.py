"""Group commit: the work many concurrent callers hand in at once is done in one go (one transaction).

Each caller awaits its own answer. While a group is being written, what arrives waits and forms the next
group, so an idle node answers at once (a group of one) and a busy one writes large groups: a transaction,
its thread hops and its commit are paid per group instead of per request. A failed group fails each of its
callers with the same exception (nothing of it was committed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.exc import DataError, IntegrityError

__all__ = ["GroupCommit"]

# Raised in the transaction for one row's content: the group was rolled back, each item can be tried alone.
_REFUSED_ROWS = (IntegrityError, DataError)

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    def __init__(self, write: Callable[[Sequence[T]], Awaitable[Sequence[R]]], most: int = 256) -> None:
        """`write` does a group's work and returns one answer per item, in order; `most` bounds a group."""
        self._write, self._most = write, most
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        answer: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, answer))
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._drain())
        return await answer

    async def _drain(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting[: self._most], self._waiting[self._most :]
                await self._one(group)
        finally:  # stopped (the loop is closing): nobody is left waiting for a group never written
            self._writer = None
            for _, future in self._waiting:
                future.cancel()
            self._waiting = []

    async def _one(self, group: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            answers = await self._write([item for item, _ in group])
        except _REFUSED_ROWS as refused:
            if len(group) == 1:
                _fail(group, refused)
                return
            for one in group:  # which of them was refused: each alone (the group was rolled back)
                await self._one([one])
            return
        except BaseException as exc:  # every caller of the group learns it failed (a cancel too)
            _fail(group, exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, future), answer in zip(group, answers, strict=True):
            if not future.done():  # its caller may have been cancelled meanwhile
                future.set_result(answer)


def _fail(group: list[tuple[T, asyncio.Future[R]]], exc: BaseException) -> None:
    for _, future in group:
        if not future.done():
            future.set_exception(exc if isinstance(exc, Exception) else asyncio.CancelledError())
