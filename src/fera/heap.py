"""The garbage collector around a serving node: what start-up allocated is frozen out of its collections.

A started node holds a large, long-lived heap (modules, FastAPI's routes and models, SQLAlchemy's tables and
compiled statements, pydantic's validators: ~175,000 tracked objects). CPython's oldest-generation collection
walks all of it, and under load one ran every second or so and held the event loop for 80–170 ms: every
request in flight waited, and those pauses were the PUTs' p99 (bench/README.md, "the p99 tail"). Frozen
objects are left out of every collection; what requests allocate is still collected as before. The freeze is
the process's: with several nodes in one process (tests, benchmarks) it is given back when the last one stops,
not the first (stopping one node had unfrozen the others' heaps, and their collections walked it all again).
"""

from __future__ import annotations

import gc

__all__ = ["freeze_startup", "unfreeze"]

_started = [0]  # nodes of this process started and not yet stopped


def freeze_startup() -> None:
    """Once a node has started. Without a collection first: one costs 100 ms or more (a process starting
    many nodes, as the tests do, pays it each time), and start-up's few garbage cycles are only held until
    the node stops."""
    _started[0] += 1
    gc.freeze()


def unfreeze() -> None:
    """At a node's stop: its objects may be collected again (a process running nodes one after another,
    as tests do, would otherwise keep every stopped node's heap); nodes still running keep theirs frozen."""
    _started[0] = max(_started[0] - 1, 0)
    if _started[0] == 0:
        gc.unfreeze()
