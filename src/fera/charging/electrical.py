"""A connector's electrical ratings (OCPI Connector fields) and the A <-> W conversions they allow."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AC_MIN_AMPS", "POWER_TYPES", "Electrical"]

_PHASES = {"AC_1_PHASE": 1, "AC_2_PHASE": 2, "AC_2_PHASE_SPLIT": 2, "AC_3_PHASE": 3, "DC": 1}
POWER_TYPES = frozenset(_PHASES)
AC_MIN_AMPS = 6.0  # IEC 61851: below 6 A per phase an AC car stops charging, so 0 or at least this


@dataclass(frozen=True)
class Electrical:
    """Ratings of one connector. For AC `max_voltage` is line-to-neutral, so P = I x V x phases."""

    power_type: str
    max_voltage: int
    max_amperage: int
    max_electric_power: int | None = None

    def __post_init__(self) -> None:
        if self.power_type not in _PHASES:
            raise ValueError(f"unknown power_type {self.power_type!r}")
        if self.max_voltage <= 0 or self.max_amperage < 0:
            raise ValueError("max_voltage must be positive and max_amperage not negative")
        if self.max_electric_power is not None and self.max_electric_power < 0:
            raise ValueError("max_electric_power must not be negative")

    @property
    def phases(self) -> int:
        return _PHASES[self.power_type]

    @property
    def min_amps(self) -> float:
        """The least a car charges at on this connector: 6 A per phase on AC (below it stops), none on DC."""
        return 0.0 if self.power_type == "DC" else AC_MIN_AMPS

    @property
    def min_rate_w(self) -> float:
        return self.amps_to_watts(self.min_amps)

    @property
    def max_power_w(self) -> float:
        """What the hardware can deliver: the lower of V x A x phases and the rated power."""
        rated = float(self.max_voltage * self.max_amperage * self.phases)
        return rated if self.max_electric_power is None else min(rated, float(self.max_electric_power))

    def _phases_used(self, number_phases: int | None) -> int:
        # A profile may name more phases than the connector has; only the connector's phases carry current.
        return self.phases if number_phases is None else max(1, min(number_phases, self.phases))

    def amps_to_watts(self, amps: float, number_phases: int | None = None) -> float:
        """Total power for a per-phase current (DC: current x voltage)."""
        return amps * self.max_voltage * self._phases_used(number_phases)

    def watts_to_amps(self, watts: float, number_phases: int | None = None) -> float:
        """Per-phase current for a total power (DC: power / voltage)."""
        return watts / (self.max_voltage * self._phases_used(number_phases))
