"""A typed face for the untyped `ocpp.routing` decorators (mypy --strict rejects untyped decorators)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from ocpp.routing import after as _after
from ocpp.routing import on as _on

__all__ = ["after", "is_call", "on", "send"]

F = TypeVar("F", bound=Callable[..., Any])


def on(action: str) -> Callable[[F], F]:
    """`@on(Action.x)`: register the method as the handler of that incoming action."""
    return cast(Callable[[F], F], _on(action))


def after(action: str) -> Callable[[F], F]:
    """`@after(Action.x)`: run the method once the answer to that incoming action has been sent."""
    return cast(Callable[[F], F], _after(action))


def is_call(raw: str) -> bool:
    """Whether a frame is an OCPP CALL (a request), as opposed to an answer or garbage."""
    try:
        return bool(json.loads(raw)[0] == 2)
    except (ValueError, TypeError, IndexError, KeyError, RecursionError):
        return False


async def send(point: Any, request: Any, **options: Any) -> Any:
    """`point.call(request, **options)`, raising the CallError or timeout it met. A cancellation that
    arrives with the answer is raised too: the ocpp package waits with `asyncio.wait_for`, which on Python
    3.11 then returns the answer and drops the cancellation (a simulated station cancelled so ran on for
    hours)."""
    result = await point.call(request, suppress=False, **options)
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
    return result
