"""Whether the CPO's ActiveChargingProfile shows a session held below the profile a steering party sent."""

from __future__ import annotations

from datetime import UTC, datetime

from fera.charging import Electrical
from fera.ocpi.chargingprofiles.models import ActiveChargingProfile, ChargingProfile
from fera.ocpi.types import format_datetime
from fera.scsp.planning_profiles import held_at

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)
AC3 = Electrical("AC_3_PHASE", 230, 32, None)


def sent(unit: str, limit: float) -> ChargingProfile:
    return ChargingProfile.model_validate(
        {"start_date_time": format_datetime(NOW), "charging_rate_unit": unit,
         "charging_profile_period": [{"start_period": 0, "limit": limit}]}
    )  # fmt: skip


def active(unit: str, limit: float) -> ActiveChargingProfile:
    return ActiveChargingProfile.model_validate(
        {"start_date_time": format_datetime(NOW), "charging_profile": {"charging_rate_unit": unit,
         "charging_profile_period": [{"start_period": 0, "limit": limit}]}}
    )  # fmt: skip


def test_a_share_below_what_we_sent_is_a_hold_in_watts() -> None:
    assert held_at(active("A", 10.0), sent("A", 32.0), None, AC3, NOW) == 6_900.0
    assert held_at(active("A", 32.0), sent("A", 32.0), None, AC3, NOW) is None


def test_our_previous_lower_profile_echoed_is_the_cpo_catching_up() -> None:
    assert held_at(active("A", 10.0), sent("A", 32.0), sent("A", 10.0), AC3, NOW) is None


def test_an_answer_in_another_unit_is_no_evidence_of_a_hold() -> None:
    """We took the EVSE for AC (no Location: an SCSP behind an eMSP) and sent 12.9 A; the CPO's DC charger
    applies 12.9 A x 400 V and answers in W. Read as a hold, it would shrink our profile at every answer."""
    assert held_at(active("W", 5_160.0), sent("A", 12.9), None, AC3, NOW) is None
