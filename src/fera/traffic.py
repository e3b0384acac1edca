"""Recent messages a node exchanged, kept in memory for its operator: OCPI requests per partner (both
ways) and OCPP frames per station. Bounded per peer; gone on restart (the logs and the store hold what
must last).

Times come from the node's domain clock, the one every dashboard page shows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

__all__ = ["Direction", "Message", "TrafficLog"]

KEEP = 50  # messages kept per peer
SUMMARY = 300  # characters kept of each message


class Direction(StrEnum):
    IN = "in"  # the peer sent it to us
    OUT = "out"  # we sent it to the peer


@dataclass(frozen=True)
class Message:
    at: datetime
    direction: Direction
    summary: str  # "PUT /ocpi/2.2.1/…" or an OCPP frame, cut to SUMMARY characters
    outcome: str = ""  # "200 · 1000", "401", "error: ConnectError…"; empty for OCPP frames


class TrafficLog:
    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC), keep: int = KEEP) -> None:
        self._now, self._keep = now, keep
        self._peers: dict[str, deque[Message]] = {}

    def record(self, peer: str, direction: Direction, summary: str, outcome: str = "") -> None:
        messages = self._peers.get(peer)
        if messages is None:
            messages = self._peers[peer] = deque(maxlen=self._keep)
        messages.append(Message(self._now(), direction, _cut(summary), outcome))

    def recent(self, *peers: str) -> list[Message]:
        """Newest first, merged over the given keys (a partner is known by id inbound, by name outbound)."""
        merged = [m for p in dict.fromkeys(peers) for m in self._peers.get(p, ())]
        return sorted(merged, key=lambda m: m.at, reverse=True)

    def last(self, peer: str) -> Message | None:
        messages = self._peers.get(peer)
        return messages[-1] if messages else None


def _cut(text: str) -> str:
    return text if len(text) <= SUMMARY else text[: SUMMARY - 1] + "…"
