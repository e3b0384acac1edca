"""The event loop of every long-lived FERA process that uvicorn does not start itself.

uvicorn serves a process with routes on uvloop (its "auto" choice, FERA depends on uvloop); a worker or
gateway process (`fera serve --parts worker|gateway`) and the benchmarks' own processes run their coroutine
here, on the same loop, so every process of a node runs as measured (bench/README.md, "all processes on
uvloop"). Where uvloop is not installed (Windows) they run on asyncio's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["loop_factory", "run"]

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop where it is installed; None: asyncio's default."""
    try:
        import uvloop
    except ImportError:  # Windows (uvloop does not support it), or another Python than CPython
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the loop of `loop_factory()`."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
