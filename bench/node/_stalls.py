"""`--stalls FILE`: how late the served node's event loop wakes, and the garbage collector's pauses.

A probe task sleeps 1 ms in a loop and records how late it wakes (what any request ready meanwhile waited
too); `gc.callbacks` time each collection per generation. Both count only once the server has started, so
start-up's imports and collections stay out. The summary (milliseconds) is written to FILE as JSON.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from pathlib import Path
from typing import Any

import uvicorn

__all__ = ["serve_watched"]

PROBE_S = 0.001
BUCKETS_MS = (1, 2, 5, 10, 20, 50, 100)


class _Stalls:
    def __init__(self, server: uvicorn.Server) -> None:
        self._server = server
        self.late: list[float] = []
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._gc_started = 0.0
        self.frozen = 0  # objects frozen out of collections while serving (the node unfreezes at stop)

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self._server.started:
            self.pauses[info["generation"]].append(time.perf_counter() - self._gc_started)

    async def watch(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(PROBE_S)
            if self._server.started:
                self.late.append(time.perf_counter() - start - PROBE_S)
                if len(self.late) == 1:  # once: the count walks every frozen object
                    self.frozen = gc.get_freeze_count()

    def summary(self) -> dict[str, Any]:
        late_ms = sorted(x * 1e3 for x in self.late)
        over = {f">{b} ms": sum(1 for x in late_ms if x > b) for b in BUCKETS_MS}
        return {
            "loop_late_ms": {**_quantiles(late_ms), "wakes": len(late_ms), **over},
            "gc_pause_ms": {
                f"gen{g}": _quantiles(sorted(p * 1e3 for p in ps)) for g, ps in self.pauses.items()
            },
            "gc_frozen_objects": self.frozen,
        }


def _quantiles(xs: list[float]) -> dict[str, float]:
    if not xs:
        return {"n": 0}
    p50, p99 = (round(xs[min(len(xs) - 1, int(q * len(xs)))], 2) for q in (0.5, 0.99))
    return {"n": len(xs), "p50": p50, "p99": p99, "max": round(xs[-1], 2), "sum": round(sum(xs), 1)}


async def serve_watched(server: uvicorn.Server, path: str) -> None:
    """Serve, probing the loop meanwhile; the summary is written when serving ends (SIGTERM included)."""
    stalls = _Stalls(server)
    gc.callbacks.append(stalls.on_gc)
    probe = asyncio.get_running_loop().create_task(stalls.watch())
    try:
        await server.serve()
    finally:
        summary = stalls.summary()
        probe.cancel()
        gc.callbacks.remove(stalls.on_gc)
        Path(path).write_text(json.dumps(summary, indent=1))
