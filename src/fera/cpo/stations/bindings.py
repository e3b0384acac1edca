"""Durable session <-> OCPP transaction bindings, mirrored into the ChargingProfiles `StationRouter`.

Bindings are written to the store before the session exists (so a profile command can never reach the
in-process fallback station), kept in memory for the meter-value path, and reloaded at start-up.
"""

from __future__ import annotations

from fera.cpo.chargingprofiles.stations import StationBinding, StationRouter
from fera.ocpp.link import StationLink
from fera.store.protocols import Store
from fera.store.station_protocols import TransactionBinding

__all__ = ["StationBindings"]


class StationBindings:
    def __init__(self, store: Store, router: StationRouter) -> None:
        self._store, self._router = store, router
        self.link: StationLink | None = None  # the gateway, which itself needs the events that use us
        self._by_transaction: dict[tuple[str, str], TransactionBinding] = {}

    async def load(self) -> None:
        """After a restart: every transaction that was running is steerable through the link again."""
        async with self._store.unit_of_work() as uow:
            bindings = await uow.station_bindings.all()
        for binding in bindings:
            self._remember(binding)

    def find(self, station_id: str, transaction_id: str) -> TransactionBinding | None:
        return self._by_transaction.get((station_id, transaction_id))

    async def bind(self, binding: TransactionBinding) -> None:
        async with self._store.unit_of_work() as uow:
            await uow.station_bindings.put(binding)
        self._remember(binding)

    async def unbind(self, binding: TransactionBinding) -> None:
        async with self._store.unit_of_work() as uow:
            await uow.station_bindings.remove(binding.session_id)
        self._by_transaction.pop((binding.station_id, binding.transaction_id), None)
        self._router.unbind(binding.session_id)

    def _remember(self, b: TransactionBinding) -> None:
        assert self.link is not None, "attach the gateway before binding"
        self._by_transaction[(b.station_id, b.transaction_id)] = b
        self._router.bind(b.session_id, StationBinding(self.link, b.station_id, b.evse_id, b.transaction_id))
