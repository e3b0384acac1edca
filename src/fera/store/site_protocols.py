"""What site load management keeps in the database when several processes share it (PostgreSQL): each
site's shares and what each station may be enforcing, the site's lock, and the rounds not finished."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

__all__ = ["SiteRow", "SiteShareStore"]


@dataclass(frozen=True)
class SiteRow:
    """One session of a site: its share (encoded schedule and horizon) and what its station may enforce."""

    share: dict[str, Any] | None
    in_force: dict[str, Any] | None


class SiteShareStore(Protocol):
    async def lock(self, site: str) -> None:
        """The site is this unit of work's until it ends (PostgreSQL: an advisory transaction lock, let go
        with the connection of a process that dies; SQLite: nothing, its one process locks in memory)."""
        ...

    async def rows(self, site: str) -> dict[str, SiteRow]:
        """Every session of the site: session id (upper case) -> its row."""
        ...

    async def share(self, session_id: str) -> dict[str, Any] | None: ...

    async def put_shares(self, site: str, shares: Mapping[str, dict[str, Any]]) -> None:
        """The site's shares now: sessions left out are gone (with what they enforced)."""
        ...

    async def put_in_force(self, site: str, session_id: str, in_force: dict[str, Any]) -> None: ...

    async def put_unapplied(self, session_id: str, unapplied: bool) -> None:
        """The session's station refused its last TxProfile or was not reached (or took it at last)."""
        ...

    async def unapplied(self) -> list[str]:
        """The sessions whose station has not taken their last TxProfile."""
        ...

    async def round_started(self, site: str, at: datetime) -> None: ...

    async def round_finished(self, site: str, at: datetime) -> None: ...

    async def unfinished(self) -> list[str]:
        """The sites whose last round was started and never finished (its process died)."""
        ...
