"""In-process events between a node's services: data flows one way, listeners never call back into the sender.

Services publish facts (a session changed, preferences arrived); the charging engine, the planner and the
dashboards subscribe. A failing listener is logged and never breaks the publisher.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["EventBus", "Listener"]

log = logging.getLogger(__name__)
E = TypeVar("E")
Listener = Callable[[E], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._listeners: defaultdict[type[Any], list[Listener[Any]]] = defaultdict(list)

    def subscribe(self, event_type: type[E], listener: Listener[E]) -> None:
        self._listeners[event_type].append(listener)

    async def publish(self, event: object) -> None:
        for listener in list(self._listeners[type(event)]):
            try:
                await listener(event)
            except Exception:
                log.exception("listener %r failed on %s", listener, type(event).__name__)
