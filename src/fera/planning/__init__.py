"""Pure planning for smart charging (SCSP): sessions and grid limits in, per-session schedules out.

`plan(problem)` solves the planning LP with HiGHS (one LP per independent part, solved again around the
minimum rates of stated needs); `apply_min_rates` and `to_charging_profile` turn the result into
per-session profiles; `flexibility` gives the band an aggregator can trade; `SessionStatistics` estimates
departures and energy needs drivers did not state, and the arrivals to expect (`PlanningProblem.expected`,
or one scenario per day of history: `PlanningProblem.scenarios`). No I/O, no clock: `now` is part of the
problem.
"""

from fera.planning.estimates import (
    DEFAULT_ENERGY_KWH,
    DEFAULT_STAY,
    URGENCY_KW,
    DayType,
    Estimate,
    SessionStatistics,
)
from fera.planning.flexibility import FlexibilityForecast, FlexibilityRow, flexibility, to_csv_rows
from fera.planning.model import (
    THREE_PHASE,
    CurrentLimit,
    GridGroup,
    Phase,
    Plan,
    PlanningProblem,
    ProfileType,
    Series,
    Session,
    SolveStats,
    phase_watts,
)
from fera.planning.planner import plan
from fera.planning.profile import (
    PlannedProfile,
    ProfilePeriod,
    RateUnit,
    apply_min_rates,
    floor_tenth,
    to_charging_profile,
)

__all__ = [
    "DEFAULT_ENERGY_KWH",
    "DEFAULT_STAY",
    "THREE_PHASE",
    "URGENCY_KW",
    "CurrentLimit",
    "DayType",
    "Estimate",
    "FlexibilityForecast",
    "FlexibilityRow",
    "GridGroup",
    "Phase",
    "Plan",
    "PlannedProfile",
    "PlanningProblem",
    "ProfilePeriod",
    "ProfileType",
    "RateUnit",
    "Series",
    "Session",
    "SessionStatistics",
    "SolveStats",
    "apply_min_rates",
    "flexibility",
    "floor_tenth",
    "phase_watts",
    "plan",
    "to_charging_profile",
    "to_csv_rows",
]
