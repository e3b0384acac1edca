"""What stations report, turned into the CPO's domain API (`StationEvents` for the OCPP gateway).

Station EVSEs map to OCPI EVSEs through the configured `StationDirectory`, or are learnt (`EvseLearner`);
a transaction becomes a Session of the token's eMSP, bound durably to (station, EVSE, transaction) so
ChargingProfiles reach the station. Handlers stay short: follow-up commands (a site's TxProfile) run in
tasks of their own, started by the site balancer when the new session is published.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from fera.charging import ChargingProfileKind, ChargingProfilePurpose, OcppChargingProfile, SchedulePeriod
from fera.cpo import Cpo
from fera.cpo.stations.authorization import Authorization, StationAuthorizer, cdr_token
from fera.cpo.stations.bindings import StationBindings
from fera.cpo.stations.directory import StationDirectory
from fera.cpo.stations.learning import EvseLearner
from fera.ocpi.errors import InvalidParameters, OcpiError
from fera.ocpi.locations.models import Status
from fera.ocpi.tokens.models import LocationReferences
from fera.store.protocols import Store
from fera.store.station_protocols import TransactionBinding

__all__ = ["WAIT_FOR_SHARE", "CpoStationEvents", "KnownStation"]

log = logging.getLogger(__name__)
WAIT_FOR_SHARE = OcppChargingProfile(
    id=1,
    stack_level=0,
    purpose=ChargingProfilePurpose.TX_DEFAULT,
    kind=ChargingProfileKind.RELATIVE,
    unit="A",
    periods=(SchedulePeriod(0, 0.0),),
)
# How long an Authorize of a station behind a managed site waits for that station's WAIT_FOR_SHARE to be
# installed (its answer, or the call's own timeout, usually comes well before): past it, it is answered.
HOLD_WAIT_S = 10.0


@dataclass
class KnownStation:
    ocpp_version: str
    vendor: str
    model: str
    connected: bool = True


class CpoStationEvents:
    """Implements `fera.ocpp.StationEvents` for the CPO role."""

    def __init__(
        self,
        cpo: Cpo,
        directory: StationDirectory,
        store: Store,
        bindings: StationBindings,
        managed: Callable[[str], bool] = lambda _station_id: False,
    ) -> None:
        self._cpo, self._directory, self._store, self._bindings = cpo, directory, store, bindings
        self._managed = managed  # is the station behind a site whose load FERA manages?
        self.learner = EvseLearner(cpo.locations, directory)
        self.known: dict[str, KnownStation] = {}  # stations that booted since start-up
        self._authorizer = StationAuthorizer(cpo.exchange)
        # An Authorize's answer, kept for the transaction it precedes (a real-time request is asked once).
        self._authorized: dict[tuple[str, str], Authorization] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._holds: dict[str, asyncio.Task[None]] = {}  # each managed station's WAIT_FOR_SHARE, being sent

    async def station_connected(self, station_id: str, ocpp_version: str, vendor: str, model: str) -> None:
        self.known[station_id] = KnownStation(ocpp_version, vendor, model)
        if self._managed(station_id):
            task = asyncio.get_running_loop().create_task(self._hold_until_shared(station_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            self._holds[station_id] = task

    async def _hold_until_shared(self, station_id: str) -> None:
        """A transaction behind a managed site starts at 0 until its share (a TxProfile) arrives, typically in
        well under a second: the site never exceeds its capacity, not even while a car plugs in."""
        link = self._bindings.link
        if link is not None and await link.set_default_profile(station_id, WAIT_FOR_SHARE) != "ACCEPTED":
            log.warning(
                "station %s refused the TxDefaultProfile: new transactions start unlimited", station_id
            )

    async def station_disconnected(self, station_id: str) -> None:
        if (known := self.known.get(station_id)) is not None:
            known.connected = False
        evses = {(ref.location_id, ref.evse_uid) for ref in self.learner.evses(station_id)}
        for location_id, evse_uid in sorted(evses):  # we no longer know what the EVSEs do
            await self._set_status(location_id, evse_uid, Status.UNKNOWN)

    async def connector_status(self, station_id: str, evse_id: int, connector_id: int, status: str) -> None:
        found = await self.learner.ref(
            station_id, evse_id, connector_id, Status(status), self._cpo.exchange.now()
        )
        if found is None:
            log.debug("station %s: status of EVSE %s not recorded", station_id, evse_id)
        elif not found[1]:  # an EVSE added just now already has the status
            await self._set_status(found[0].location_id, found[0].evse_uid, Status(status))

    async def evses_reported(self, station_id: str, evses: Sequence[tuple[int, int]]) -> None:
        now = self._cpo.exchange.now()
        for evse_id, connector_id in evses:  # learnt with UNKNOWN until their StatusNotification
            await self.learner.ref(station_id, evse_id, connector_id, Status.UNKNOWN, now)

    async def authorize(self, station_id: str, id_token: str) -> bool:
        # A car authorized before its station holds new transactions at 0 would draw all it can until its
        # share came (on a loaded CPO, seconds: a site's fuse blown by a car plugged in right after a boot).
        if (hold := self._holds.get(station_id)) is not None and not hold.done():
            await asyncio.wait({hold}, timeout=HOLD_WAIT_S)
        authorization = await self._authorizer.authorize(id_token, self._where(station_id))
        if authorization is None:
            self._authorized.pop((station_id, id_token.upper()), None)
            return False
        self._authorized[(station_id, id_token.upper())] = authorization
        return True

    async def _authorization(self, station_id: str, id_token: str) -> Authorization | None:
        known = self._authorized.pop((station_id, id_token.upper()), None)
        return known or await self._authorizer.authorize(id_token, self._where(station_id))

    def _where(self, station_id: str) -> LocationReferences | None:
        refs = self.learner.evses(station_id)
        if not refs:
            return None
        return LocationReferences(location_id=refs[0].location_id, evse_uids=[r.evse_uid for r in refs])

    async def transaction_started(
        self,
        station_id: str,
        evse_id: int,
        connector_id: int,
        transaction_id: str,
        id_token: str,
        meter_start_wh: float,
        timestamp: datetime,
    ) -> None:
        found = await self.learner.ref(station_id, evse_id, connector_id, Status.CHARGING, timestamp)
        ref = None if found is None else found[0]
        authorization = await self._authorization(station_id, id_token)
        bound = await self._bindings.find(station_id, transaction_id) is not None
        if ref is None or authorization is None or bound:
            log.warning("station %s: no session for transaction %s", station_id, transaction_id)
            return
        binding = TransactionBinding(str(uuid.uuid4()), station_id, evse_id, transaction_id, meter_start_wh)
        await self._bindings.bind(binding)  # before the session exists: its profiles must reach the station
        try:
            await self._cpo.sessions.start_session(
                token=cdr_token(authorization.token),
                location_id=ref.location_id,
                evse_uid=ref.evse_uid,
                connector_id=ref.connector_id,
                at=timestamp,
                session_id=binding.session_id,
                auth_method=authorization.auth_method,
                authorization_reference=authorization.authorization_reference,
            )
        except OcpiError as exc:
            log.warning("station %s: transaction %s has no session: %s", station_id, transaction_id, exc)
            await self._bindings.unbind(binding)

    async def meter_values(
        self,
        station_id: str,
        evse_id: int,
        transaction_id: str,
        timestamp: datetime,
        energy_wh: float,
        power_w: float | None,
        current_a: float | None,
    ) -> None:
        binding = await self._bindings.find(station_id, transaction_id)
        if binding is None:
            return
        power_kw = None if power_w is None else round(power_w / 1000, 3)
        kwh = _kwh(binding, energy_wh)
        try:
            await self._cpo.sessions.meter_values(
                binding.session_id, kwh=kwh, at=timestamp, power_kw=power_kw, current_a=current_a
            )
        except OcpiError as exc:  # e.g. a register that ran backwards
            log.warning("station %s: meter values of %s dropped: %s", station_id, transaction_id, exc)

    async def transaction_stopped(
        self,
        station_id: str,
        evse_id: int,
        transaction_id: str,
        timestamp: datetime,
        meter_stop_wh: float,
        reason: str | None,
    ) -> None:
        binding = await self._bindings.find(station_id, transaction_id)
        if binding is None:
            return
        await self._stop(binding, timestamp, _kwh(binding, meter_stop_wh))
        await self._bindings.unbind(binding)  # its TxProfiles died with the transaction

    async def _stop(self, binding: TransactionBinding, at: datetime, kwh: float) -> None:
        sessions = self._cpo.sessions
        try:
            await sessions.stop_session(binding.session_id, at=at, kwh=kwh)
        except InvalidParameters:  # a final register below the last reading: end it on the last reading
            with contextlib.suppress(OcpiError):
                await sessions.stop_session(binding.session_id, at=at)
        except OcpiError as exc:
            log.warning("session %s: not stopped: %s", binding.session_id, exc)

    async def _set_status(self, location_id: str, evse_uid: str, status: Status) -> None:
        try:
            await self._cpo.locations.set_evse_status(location_id, evse_uid, status)
        except OcpiError as exc:
            log.warning("EVSE %s/%s: status not set: %s", location_id, evse_uid, exc)


def _kwh(binding: TransactionBinding, energy_wh: float) -> float:
    return round(max(0.0, energy_wh - binding.meter_start_wh) / 1000, 4)
