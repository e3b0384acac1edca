"""One asyncio lock per key (a session, a site), kept only while something holds or awaits it.

A `defaultdict(asyncio.Lock)` keyed by session id keeps a lock for every session a process has ever seen:
a long-running CPO's memory would grow with its history. Here the lock lives as long as a holder or a waiter
references it; a key nobody uses has no lock, and the next user gets a fresh one, which excludes the same.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["KeyedLocks"]

K = TypeVar("K", bound=Hashable)


class KeyedLocks(Generic[K]):
    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[K, asyncio.Lock] = weakref.WeakValueDictionary()

    def __getitem__(self, key: K) -> asyncio.Lock:
        """The key's lock; hold a reference to it (`async with`, or the lock itself) while you use it."""
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    def __len__(self) -> int:
        """How many keys have a lock now (held, awaited, or about to be)."""
        return len(self._locks)
