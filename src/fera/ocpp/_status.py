"""OCPP connector statuses as OCPI EVSE statuses (the CPO publishes the latter)."""

from __future__ import annotations

__all__ = ["ocpi_status_v16", "ocpi_status_v201"]

# 1.6: a plugged car before the transaction (Preparing) already uses the EVSE; after it (Finishing) the car
# only blocks the bay.
_V16 = {
    "Available": "AVAILABLE",
    "Preparing": "CHARGING",
    "Charging": "CHARGING",
    "SuspendedEV": "CHARGING",
    "SuspendedEVSE": "CHARGING",
    "Finishing": "BLOCKED",
    "Reserved": "RESERVED",
    "Unavailable": "INOPERATIVE",
    "Faulted": "OUTOFORDER",
}

_V201 = {
    "Available": "AVAILABLE",
    "Occupied": "CHARGING",
    "Reserved": "RESERVED",
    "Unavailable": "INOPERATIVE",
    "Faulted": "OUTOFORDER",
}


def ocpi_status_v16(status: str) -> str:
    """OCPP 1.6 ChargePointStatus -> OCPI EVSE Status; anything else is UNKNOWN."""
    return _V16.get(status, "UNKNOWN")


def ocpi_status_v201(status: str) -> str:
    """OCPP 2.0.1 ConnectorStatusEnumType -> OCPI EVSE Status; anything else is UNKNOWN."""
    return _V201.get(status, "UNKNOWN")
