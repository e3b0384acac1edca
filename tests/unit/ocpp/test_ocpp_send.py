"""`send`: an OCPP call whose cancellation is never lost, even when it meets the answer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fera.ocpp._routing import send


class _Point:
    """A ChargePoint's `call` as the ocpp package waits for it: `asyncio.wait_for` on the answer."""

    def __init__(self) -> None:
        self.answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.waiting = asyncio.Event()

    async def call(self, request: Any, suppress: bool = True) -> str:
        assert suppress is False  # a CallError must reach the caller
        self.waiting.set()
        return await asyncio.wait_for(self.answer, 10.0)


async def test_the_answer_comes_back() -> None:
    point = _Point()
    calling = asyncio.create_task(send(point, "MeterValues"))
    await point.waiting.wait()
    point.answer.set_result("ok")
    assert await calling == "ok"


async def test_a_cancellation_that_meets_the_answer_still_cancels() -> None:
    point = _Point()
    calling = asyncio.create_task(send(point, "MeterValues"))
    await point.waiting.wait()
    point.answer.set_result("ok")  # the answer and the cancellation arrive in the same turn of the loop
    calling.cancel()
    with pytest.raises(asyncio.CancelledError):
        await calling
    assert calling.cancelled()
