"""What the CPO's station side needs from storage: transaction bindings, and the reads it answers stations
and site load management with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fera.ocpi.sessions.models import Session
from fera.store.records import StoredToken

__all__ = ["StationBindingStore", "StationLookupStore", "TransactionBinding"]


@dataclass(frozen=True)
class TransactionBinding:
    """One of our sessions and the OCPP transaction behind it (kept until the transaction stops)."""

    session_id: str
    station_id: str
    evse_id: int  # OCPP 2.0.1 EVSE id, or OCPP 1.6 connector id
    transaction_id: str
    meter_start_wh: float


class StationBindingStore(Protocol):
    async def put(self, binding: TransactionBinding) -> None: ...
    async def by_transaction(self, station_id: str, transaction_id: str) -> TransactionBinding | None: ...
    async def by_session(self, session_id: str) -> TransactionBinding | None: ...
    async def remove(self, session_id: str) -> None: ...
    async def all(self) -> list[TransactionBinding]: ...


class StationLookupStore(Protocol):
    async def ongoing_sessions(self, location_id: str) -> list[Session]:
        """Our own ACTIVE or PENDING sessions at a location, oldest first."""
        ...

    async def tokens_by_uid(self, uid: str) -> list[StoredToken]:
        """Tokens eMSPs shared with us under this uid, of any type and party."""
        ...
