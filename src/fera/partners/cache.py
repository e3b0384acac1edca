"""Every partner held in memory, by id and by token hash: the lookup behind each authenticated request.

The node's own writes (`PartnerService`) clear it at once, so a token rotated or unregistered here is refused
on the next request (a previous token is still checked against its grace window on every request). Writes by
another process on the same database (the CLI) are seen once the snapshot is `ttl_s` old; a token the
snapshot doesn't know is looked up in the database, so one handed out elsewhere works at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fera.partners.model import Partner

__all__ = ["PartnerCache"]


@dataclass
class _Snapshot:
    loaded_at: float
    by_id: dict[str, Partner] = field(default_factory=dict)
    by_token: dict[str, Partner] = field(default_factory=dict)


class PartnerCache:
    """Partners as last read; callers must treat them as read-only."""

    def __init__(self, ttl_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl, self._clock = ttl_s, clock
        self._snapshot: _Snapshot | None = None
        self.generation = 0  # bumped by every clear: a read begun before it must not be kept

    def fresh(self) -> bool:
        return self._snapshot is not None and self._clock() - self._snapshot.loaded_at < self._ttl

    def fill(self, partners: list[Partner], generation: int) -> None:
        """`generation`: as it was when the read began (a write since then cleared: the read is stale)."""
        if generation != self.generation:
            return
        snapshot = _Snapshot(self._clock())
        for partner in partners:
            snapshot.by_id[partner.id] = partner
            for token_hash in (partner.inbound_token_hash, partner.token_a_hash, partner.previous_token_hash):
                if token_hash is not None:
                    snapshot.by_token[token_hash] = partner
        self._snapshot = snapshot

    def by_token(self, token_hash: str) -> Partner | None:
        return None if self._snapshot is None else self._snapshot.by_token.get(token_hash)

    def all(self) -> list[Partner]:
        """In the order they were read (by creation)."""
        return [] if self._snapshot is None else list(self._snapshot.by_id.values())

    def by_id(self, partner_id: str) -> Partner | None:
        return None if self._snapshot is None else self._snapshot.by_id.get(partner_id)

    def clear(self) -> None:
        self._snapshot = None
        self.generation += 1
