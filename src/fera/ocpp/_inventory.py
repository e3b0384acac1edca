"""A station's inventory (its EVSEs and connectors), asked for once it has booted, in a task of its own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed

__all__ = ["INVENTORY_FAILURES", "INVENTORY_REQUEST_ID", "LOGGER", "availability", "inventory", "spawn"]

LOGGER = logging.getLogger(__name__)
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


def availability(report_data: Sequence[dict[str, Any]]) -> dict[int, tuple[int, str]]:
    """evse_id -> (connector_id, AvailabilityState) from an OCPP 2.0.1 NotifyReport: what a 1.6 station says
    in StatusNotification. The EVSE component's own state wins (an OCPI EVSE is the OCPP EVSE); an EVSE
    reported only through its connectors takes its lowest connector's."""
    evse_states: dict[int, str] = {}
    connector_states: dict[tuple[int, int], str] = {}
    for entry in report_data:
        component, state = entry.get("component") or {}, _actual_availability(entry)
        evse = component.get("evse") or {}
        if state is None or not isinstance(evse.get("id"), int):
            continue
        if component.get("name") == "EVSE":
            evse_states[evse["id"]] = state
        elif component.get("name") == "Connector":
            connector_states[(evse["id"], int(evse.get("connector_id") or 1))] = state
    found = {evse_id: (1, state) for evse_id, state in evse_states.items()}
    for (evse_id, connector_id), state in sorted(connector_states.items(), reverse=True):
        if evse_id not in evse_states:
            found[evse_id] = (connector_id, state)
    return dict(sorted(found.items()))


def _actual_availability(entry: dict[str, Any]) -> str | None:
    """The Actual value of an AvailabilityState variable (an attribute without a type is the Actual one)."""
    if (entry.get("variable") or {}).get("name") != "AvailabilityState":
        return None
    for attribute in entry.get("variable_attribute") or []:
        if attribute.get("type", "Actual") == "Actual" and isinstance(attribute.get("value"), str):
            return str(attribute["value"])
    return None
