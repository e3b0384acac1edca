"""A station's inventory (its EVSEs and connectors), asked for once it has booted, in a task of its own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed

__all__ = ["INVENTORY_FAILURES", "INVENTORY_REQUEST_ID", "LOGGER", "inventory", "spawn"]

LOGGER = logging.getLogger("fera.ocpp.inventory")
INVENTORY_REQUEST_ID = 1
# A station that doesn't know the request, stays silent, hangs up or answers nonsense: no inventory.
INVENTORY_FAILURES = (
    OCPPError,
    TimeoutError,
    ConnectionClosed,
    StopIteration,
    KeyError,
    TypeError,
    ValueError,
)


def spawn(tasks: set[asyncio.Task[None]], work: Coroutine[Any, Any, None]) -> None:
    """Run `work` beside the connection, keeping a reference until it ends."""
    task = asyncio.get_running_loop().create_task(work)
    tasks.add(task)
    task.add_done_callback(tasks.discard)


def inventory(report_data: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """(evse_id, connector_id) of every EVSE and Connector component in an OCPP 2.0.1 NotifyReport; an EVSE
    reported without its connectors counts as having connector 1."""
    found: set[tuple[int, int]] = set()
    for entry in report_data:
        component = entry.get("component") or {}
        evse = component.get("evse") or {}
        if component.get("name") in ("EVSE", "Connector") and isinstance(evse.get("id"), int):
            found.add((evse["id"], int(evse.get("connector_id") or 1)))
    return sorted(found)
