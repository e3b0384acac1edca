"""One EV's visit: plug in, authorize, charge as the station's limits allow, stop, unplug."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from fera.ocpp._meter import MeterReading
from fera.ocpp.simulator.evs import EvArrival
from fera.ocpp.simulator.station import Connector, StationModel

__all__ = ["PowerTracker", "SessionReport", "StationClient", "run_session"]


class StationClient(Protocol):
    """A station's OCPP face, the same for 1.6 and 2.0.1 (states: available, plugged, charging, finishing)."""

    model: StationModel

    async def status(self, connector_id: int, state: str) -> None: ...
    async def authorize(self, id_token: str) -> bool: ...
    async def start_transaction(
        self, connector_id: int, id_token: str, meter_wh: float, t: datetime
    ) -> str: ...
    async def meter(
        self, connector_id: int, transaction_id: str, reading: MeterReading, changed: bool
    ) -> None: ...
    async def stop_transaction(
        self, connector_id: int, transaction_id: str, meter_wh: float, t: datetime
    ) -> None: ...


@dataclass(frozen=True)
class SessionReport:
    """Outcome: full, departed, unauthorized or no_connector (every connector was taken on arrival)."""

    ev: EvArrival
    outcome: str
    station_id: str | None = None
    connector_id: int | None = None
    transaction_id: str | None = None
    delivered_wh: float = 0.0
    peak_power_w: float = 0.0
    ended: datetime | None = None

    @property
    def energy_need_wh(self) -> float:
        return self.ev.energy_kwh * 1000


class PowerTracker:
    """The drawn power of every connector together, and its peak; also per group of stations (a site).

    `connector_samples` keeps each connector's own power over simulated time. Updates arrive in the order the
    event loop runs the connectors, which under load is not the order of their simulated instants, so a
    site's power at an instant is best rebuilt from these per-connector timelines (each one is in order).
    """

    def __init__(self, groups: Mapping[str, str] | None = None) -> None:
        self._power: dict[tuple[str, int], float] = {}
        self._groups = dict(groups or {})
        self.total_w = 0.0
        self.peak_w = 0.0
        self.group_w: dict[str, float] = {}
        self.group_peak_w: dict[str, float] = {}
        self.group_samples: dict[str, list[tuple[datetime, float]]] = {}  # (simulated time, group power)
        self.connector_samples: dict[tuple[str, int], list[tuple[datetime, float]]] = {}

    def update(self, station_id: str, connector_id: int, watts: float, at: datetime | None = None) -> None:
        key = (station_id, connector_id)
        change = watts - self._power.get(key, 0.0)
        self.total_w += change
        self._power[key] = watts
        self.peak_w = max(self.peak_w, self.total_w)
        if at is not None:
            self.connector_samples.setdefault(key, []).append((at, watts))
        group = self._groups.get(station_id)
        if group is not None:
            self.group_w[group] = self.group_w.get(group, 0.0) + change
            self.group_peak_w[group] = max(self.group_peak_w.get(group, 0.0), self.group_w[group])
            if at is not None:
                self.group_samples.setdefault(group, []).append((at, self.group_w[group]))


@dataclass
class _Charge:
    """A running transaction's bookkeeping, in simulated time."""

    client: StationClient
    connector: Connector
    ev: EvArrival
    transaction_id: str
    t: datetime
    meter_start_wh: float
    delivered_wh: float = 0.0
    power_w: float = 0.0
    peak_w: float = 0.0
    reported_w: float | None = None  # the power of the last reading sent

    @property
    def full(self) -> bool:
        return self.delivered_wh >= self.ev.energy_kwh * 1000 - 1e-6

    def wake_at(self, next_meter: datetime) -> datetime:
        """The next meter tick, the departure, or the moment the battery is full, whichever is first."""
        wake = min(next_meter, self.ev.departure)
        if self.power_w > 0:
            hours_left = (self.ev.energy_kwh * 1000 - self.delivered_wh) / self.power_w
            # one microsecond more: timedelta truncates, and advance() caps the energy at the need
            wake = min(wake, self.t + timedelta(hours=hours_left, microseconds=1))
        return wake

    def advance(self, to: datetime) -> None:
        hours = (to - self.t).total_seconds() / 3600
        self.delivered_wh = min(self.ev.energy_kwh * 1000, self.delivered_wh + self.power_w * hours)
        self.t = to
        self.connector.meter_wh = self.meter_start_wh + self.delivered_wh

    @property
    def phases(self) -> int:
        """The phases that carry current: the car's, at most the connector's (DC: the connector's one)."""
        return min(self.ev.phases, self.connector.electrical.phases)

    def follow(self, at: datetime, tracker: PowerTracker) -> None:
        """Take every step of the schedule in force between the last instant drawn and `at` (the station is
        about to replace it), each at its own instant: a step the EV's task had not reached yet (waiting for
        a meter reading's answer, or its event loop late) must not vanish with the profile replaced."""
        model = self.client.model
        while not self.full:
            step = model.next_limit_change(self.connector.id, self.t)
            if step is None or step > at:
                return
            self.advance(self.wake_at(step))  # not past its departure or its full battery
            if self.t < step:
                return
            self.repower(tracker)

    def limit_moved(self, at: datetime, tracker: PowerTracker) -> None:
        """The station installed a new limit at `at`: draw under it from that instant."""
        if not self.full:
            self.advance(self.wake_at(max(self.t, at)))  # not past its departure or its full battery
            self.repower(tracker)

    def repower(self, tracker: PowerTracker) -> None:
        """Draw what both the EV and the station's composite limit allow from now on: the limit is a current
        per phase (converted over the connector's phases), drawn on the phases the car uses."""
        model = self.client.model
        electrical = self.connector.electrical
        per_phase = electrical.watts_to_amps(model.limit_w(self.connector.id, self.t))
        if per_phase < electrical.min_amps - 1e-6:
            per_phase = 0.0  # IEC 61851: an AC car stops charging below 6 A
        self.power_w = min(self.ev.max_kw * 1000, electrical.amps_to_watts(per_phase, self.phases))
        self.peak_w = max(self.peak_w, self.power_w)
        tracker.update(model.spec.station_id, self.connector.id, self.power_w, self.t)

    async def report(self, changed: bool) -> None:
        amps = self.connector.electrical.watts_to_amps(self.power_w, self.phases)
        reading = MeterReading(self.t, self.connector.meter_wh, self.power_w, amps)
        self.reported_w = self.power_w
        await self.client.meter(self.connector.id, self.transaction_id, reading, changed)


def _latest_due(tick: datetime, now: datetime, interval: timedelta) -> datetime:
    """The meter tick to wait for: `tick`, or the latest one due by `now` when the station is behind real
    time (a loaded machine). A station meters now: replaying every missed tick, a round trip each, would
    fall further behind for good and report limits long replaced. The power between ticks is the same
    (limit changes wake the loop on their own), so the energy still integrates exactly."""
    return tick + interval * ((now - tick) // interval) if now > tick else tick


async def _charge(charge: _Charge, meter_interval: timedelta, tracker: PowerTracker) -> None:
    """Until full or departed: sleep to the next event (a limit change wakes it early), integrate energy."""
    next_meter = charge.t + meter_interval
    charge.repower(tracker)
    charge.connector.on_limit = lambda at: charge.limit_moved(at, tracker)
    charge.connector.follow = lambda at: charge.follow(at, tracker)
    try:
        await charge.report(changed=False)
        await _charge_loop(charge, next_meter, meter_interval, tracker)
    finally:
        charge.connector.on_limit = charge.connector.follow = None


async def _charge_loop(
    charge: _Charge, next_meter: datetime, meter_interval: timedelta, tracker: PowerTracker
) -> None:
    clock, event = charge.client.model.clock, charge.connector.changed
    while not charge.full and charge.t < charge.ev.departure:
        next_meter = _latest_due(next_meter, clock.now(), meter_interval)
        wake = charge.wake_at(next_meter)
        boundary = charge.client.model.next_limit_change(charge.connector.id, charge.t)
        if boundary is not None and boundary < wake:
            wake = boundary
        await clock.wait(event, wake)
        moved = event.is_set()  # a new limit: already drawn from its instant (limit_moved)
        changed = moved or wake == boundary  # the schedule moved the limit: report it like a change
        event.clear()
        if not moved:
            charge.advance(max(charge.t, wake))
        if charge.full or charge.t >= charge.ev.departure:
            break
        charge.repower(tracker)
        if charge.t >= next_meter:
            next_meter += meter_interval * (1 + (charge.t - next_meter) // meter_interval)
            await charge.report(changed=False)
        elif changed and charge.power_w != charge.reported_w:
            # A station reports a change of its charging rate (2.0.1: trigger ChargingRateChanged): a
            # profile for the other connector, or a limit above what the car draws, changes nothing here.
            await charge.report(changed=True)


async def _visit(
    client: StationClient,
    connector: Connector,
    ev: EvArrival,
    id_token: str,
    meter_interval: timedelta,
    tracker: PowerTracker,
) -> SessionReport:
    model, station_id = client.model, client.model.spec.station_id
    await client.status(connector.id, "plugged")
    if not await client.authorize(id_token):
        await client.status(connector.id, "available")
        return SessionReport(ev, "unauthorized", station_id, connector.id, ended=model.clock.now())
    start = model.clock.now()
    tx_id = await client.start_transaction(connector.id, id_token, connector.meter_wh, start)
    model.begin(connector.id, tx_id, start)
    await client.status(connector.id, "charging")
    charge = _Charge(client, connector, ev, tx_id, start, connector.meter_wh)
    connector.changed.clear()
    await _charge(charge, meter_interval, tracker)
    tracker.update(station_id, connector.id, 0.0, charge.t)
    await client.stop_transaction(connector.id, tx_id, connector.meter_wh, charge.t)
    model.end(connector.id)
    await client.status(connector.id, "finishing")
    await client.status(connector.id, "available")
    outcome = "full" if charge.full else "departed"
    return SessionReport(
        ev, outcome, station_id, connector.id, tx_id, charge.delivered_wh, charge.peak_w, charge.t
    )


async def run_session(
    client: StationClient,
    connector: Connector,
    ev: EvArrival,
    id_token: str,
    meter_interval: timedelta,
    tracker: PowerTracker,
) -> SessionReport:
    """The visit of `ev` at `connector`, which the caller has marked busy; frees it at the end."""
    try:
        return await _visit(client, connector, ev, id_token, meter_interval, tracker)
    finally:
        connector.busy = False
