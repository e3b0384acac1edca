"""What a steering party's planner publishes, kept in the database so that every process of a node shows it
(the dashboard's plan page, `GET /fera/admin/flexibility`), not only the worker that plans."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Protocol

__all__ = ["PlanViewStore"]


class PlanViewStore(Protocol):
    """Rows by kind ("plan": the latest plan, "band": a group's band, "session": a session's planned
    steps) and key; the body is JSON the publisher (`fera.scsp.planning_published`) writes and reads."""

    async def put(self, rows: Mapping[tuple[str, str], dict[str, Any]]) -> None:
        """Write these rows (kind, key) -> body, replacing what they held."""
        ...

    async def keep_only(self, kind: str, keys: Collection[str]) -> None:
        """Forget the rows of `kind` not in `keys`."""
        ...

    async def rows(self, kind: str) -> dict[str, dict[str, Any]]:
        """Every row of `kind`: key -> body."""
        ...

    async def get(self, kind: str, key: str) -> dict[str, Any] | None: ...
