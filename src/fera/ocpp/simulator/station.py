"""A simulated station's state: connectors, installed profiles, and the limits they set (no I/O)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fera.charging import (
    ChargingProfilePurpose,
    Electrical,
    OcppChargingProfile,
    ProfileStack,
    RateProfile,
    composite_schedule,
    connector_limit_at,
    profile_from_schedule,
    station_composite_schedule,
    validate_profile,
)
from fera.ocpp._profiles import profile_from_wire
from fera.ocpp.simulator.clock import SimClock
from fera.ocpp.simulator.config import StationSpec

__all__ = ["Connector", "StationModel"]


@dataclass
class Connector:
    """A connector (1.6) or EVSE of one connector (2.0.1). `changed` is set when its limit may move.

    `on_limit` (set by the charging EV) is told the simulated instant the station installed or cleared a
    profile: the EV draws under the new limit from then on, however late a loaded event loop wakes its task
    (the CPO raises another car as soon as this one confirmed its decrease). `follow` is told, before the
    station changes its profiles, to take the steps of the schedule in force up to that instant: a step
    the EV's task had not reached yet (its event loop late) must not vanish with the profile replaced."""

    id: int
    electrical: Electrical
    meter_wh: float = 0.0
    busy: bool = False
    transaction_id: str | None = None
    transaction_start: datetime | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    on_limit: Callable[[datetime], None] | None = None
    follow: Callable[[datetime], None] | None = None

    def limit_moving(self, at: datetime) -> None:
        if self.follow is not None:
            self.follow(at)

    def limit_moved(self, at: datetime) -> None:
        if self.on_limit is not None:
            self.on_limit(at)
        self.changed.set()


class StationModel:
    """What a station knows and decides, shared by its OCPP 1.6 and 2.0.1 faces."""

    def __init__(self, spec: StationSpec, clock: SimClock) -> None:
        self.spec = spec
        self.clock = clock
        self.stack = ProfileStack()
        self.connectors = {n: Connector(n, spec.electrical) for n in range(1, spec.connectors + 1)}

    def _station_electrical(self) -> Electrical:
        one = self.spec.electrical
        power = None if one.max_electric_power is None else one.max_electric_power * len(self.connectors)
        return Electrical(one.power_type, one.max_voltage, one.max_amperage * len(self.connectors), power)

    def _limits_changing(self) -> None:
        now = self.clock.now()
        for connector in self.connectors.values():
            connector.limit_moving(now)

    def _limits_changed(self) -> None:
        now = self.clock.now()
        for connector in self.connectors.values():
            connector.limit_moved(now)

    def begin(self, connector_id: int, transaction_id: str, start: datetime) -> None:
        connector = self.connectors[connector_id]
        connector.transaction_id, connector.transaction_start = transaction_id, start

    def end(self, connector_id: int) -> None:
        """The transaction is over: its TxProfiles go with it."""
        connector = self.connectors[connector_id]
        connector.transaction_id, connector.transaction_start = None, None
        self.stack.end_transaction(connector_id)

    def set_profile(self, profile: OcppChargingProfile) -> bool:
        """SetChargingProfile: validate as a station would, then install. Whether it was accepted."""
        if self.spec.reject_profiles:
            return False
        connector = self.connectors.get(profile.connector_id)
        running = None if connector is None else connector.transaction_id
        has_transaction = running is not None and profile.transaction_id in (None, running)
        if validate_profile(profile, has_transaction, connector_ids=self.connectors) is not None:
            return False
        self._limits_changing()
        self.stack.install(profile)
        self._limits_changed()
        return True

    def set_wire_profile(self, wire: dict[str, Any], connector_id: int) -> bool:
        """SetChargingProfile as received (either version); a malformed profile is rejected."""
        try:
            profile = profile_from_wire(wire, connector_id)
        except (KeyError, TypeError, ValueError):
            return False
        return self.set_profile(profile)

    def clear_profiles(
        self,
        profile_id: int | None,
        connector_id: int | None,
        purpose: str | None,
        stack_level: int | None,
    ) -> bool:
        """ClearChargingProfile: whether anything matched."""
        kind = None if purpose is None else ChargingProfilePurpose(purpose)
        self._limits_changing()
        cleared = self.stack.clear(profile_id, connector_id, kind, stack_level)
        self._limits_changed()
        return cleared > 0

    def limit_w(self, connector_id: int, t: datetime) -> float:
        """What the connector may draw at `t`: the composite limit, at most its hardware maximum."""
        connector = self.connectors[connector_id]
        electrical = connector.electrical
        limit = connector_limit_at(self.stack, connector_id, t, electrical, connector.transaction_start)
        return electrical.max_power_w if limit is None else min(limit, electrical.max_power_w)

    def next_limit_change(self, connector_id: int, t: datetime) -> datetime | None:
        """When the connector's composite limit next changes on its own (a schedule's breakpoint): a real
        station follows its schedule at that instant, not at its next meter reading."""
        connector = self.connectors[connector_id]
        schedule = composite_schedule(
            list(self.stack), connector_id, t, 86_400, connector.electrical, connector.transaction_start
        )
        return next((at for at, _ in schedule.breakpoints() if at > t), None)

    def composite(self, connector_id: int, duration: int, unit: str | None) -> RateProfile | None:
        """GetCompositeSchedule from now on; None for an unknown connector or a bad duration."""
        if duration <= 0 or (connector_id != 0 and connector_id not in self.connectors):
            return None
        start = self.clock.now().replace(microsecond=0)
        if connector_id == 0:
            electrical = self._station_electrical()
            ratings = {n: c.electrical for n, c in self.connectors.items()}
            starts = {n: c.transaction_start for n, c in self.connectors.items()}
            schedule = station_composite_schedule(self.stack, ratings, start, duration, electrical, starts)
        else:
            connector = self.connectors[connector_id]
            electrical = connector.electrical
            schedule = composite_schedule(
                self.stack, connector_id, start, duration, electrical, connector.transaction_start
            )
        return profile_from_schedule(schedule, electrical, start, duration, unit or "W")
