"""Navigating and replacing EVSEs and Connectors inside a Location; a child's change bumps its parents."""

from __future__ import annotations

from datetime import datetime

from fera.ocpi.locations.models import EVSE, Connector, Location
from fera.ocpi.types import ci_equal

__all__ = ["find_connector", "find_evse", "with_connector", "with_evse"]


def find_evse(location: Location, evse_uid: str) -> EVSE | None:
    return next((e for e in location.evses or [] if ci_equal(e.uid, evse_uid)), None)


def find_connector(evse: EVSE, connector_id: str) -> Connector | None:
    return next((c for c in evse.connectors if ci_equal(c.id, connector_id)), None)


def with_evse(location: Location, evse: EVSE) -> Location:
    """The location with `evse` replaced (or appended) and `last_updated` at least the EVSE's."""
    others = [e for e in location.evses or [] if not ci_equal(e.uid, evse.uid)]
    replaced = len(others) < len(location.evses or [])
    evses = (
        [evse if ci_equal(e.uid, evse.uid) else e for e in location.evses or []]
        if replaced
        else [*others, evse]
    )
    return location.model_copy(update={"evses": evses, "last_updated": _later(location.last_updated, evse)})


def with_connector(location: Location, evse: EVSE, connector: Connector) -> Location:
    connectors = [connector if ci_equal(c.id, connector.id) else c for c in evse.connectors]
    if not any(ci_equal(c.id, connector.id) for c in evse.connectors):
        connectors.append(connector)
    updated = evse.model_copy(
        update={"connectors": connectors, "last_updated": _later(evse.last_updated, connector)}
    )
    return with_evse(location, updated)


def _later(current: datetime, child: EVSE | Connector) -> datetime:
    return max(current, child.last_updated)
