"""Durable session <-> OCPP transaction bindings, mirrored into the ChargingProfiles `StationRouter`.

Bindings are written to the store before the session exists (so a profile command can never reach the
in-process fallback station), kept in memory for the meter-value path, and reloaded at start-up. With
gateways in several processes (`shared`), a station may report a transaction another gateway bound (it
reconnected here), and a worker steers sessions some gateway bound: what is not in memory is read from the
store.
"""

from __future__ import annotations

from fera.cpo.chargingprofiles.stations import StationBinding, StationRouter
from fera.ocpp.link import StationLink
from fera.store.protocols import Store
from fera.store.station_protocols import TransactionBinding

__all__ = ["StationBindings"]


class StationBindings:
    def __init__(self, store: Store, router: StationRouter, *, shared: bool = False) -> None:
        self._store, self._router, self._shared = store, router, shared
        self.link: StationLink | None = None  # the gateway, which itself needs the events that use us
        self._by_transaction: dict[tuple[str, str], TransactionBinding] = {}
        if shared:
            router.lookup = self._session_binding

    async def load(self) -> None:
        """After a restart: every transaction that was running is steerable through the link again."""
        async with self._store.unit_of_work() as uow:
            bindings = await uow.station_bindings.all()
        for binding in bindings:
            self._remember(binding)

    async def find(self, station_id: str, transaction_id: str) -> TransactionBinding | None:
        found = self._by_transaction.get((station_id, transaction_id))
        if found is None and self._shared:
            async with self._store.unit_of_work() as uow:
                found = await uow.station_bindings.by_transaction(station_id, transaction_id)
            if found is not None:
                self._remember(found)
        return found

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
        self._by_transaction[(b.station_id, b.transaction_id)] = b
        self._router.bind(b.session_id, self._station_binding(b))

    def _station_binding(self, b: TransactionBinding) -> StationBinding:
        assert self.link is not None, "attach the gateway before binding"
        return StationBinding(self.link, b.station_id, b.evse_id, b.transaction_id)

    async def _session_binding(self, session_id: str) -> StationBinding | None:
        async with self._store.unit_of_work() as uow:
            found = await uow.station_bindings.by_session(session_id)
        return None if found is None else self._station_binding(found)
