"""Station-side checks of SetChargingProfile, and the installed-profile stack."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from fera.charging import (
    ChargingProfileKind,
    ChargingProfilePurpose,
    OcppChargingProfile,
    ProfileStack,
    RecurrencyKind,
    SchedulePeriod,
    validate_profile,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
Purpose = ChargingProfilePurpose
Kind = ChargingProfileKind


def tx_profile(**changes: Any) -> OcppChargingProfile:
    base = OcppChargingProfile(
        id=1,
        stack_level=0,
        purpose=Purpose.TX,
        kind=Kind.RELATIVE,
        unit="A",
        periods=(SchedulePeriod(0, 16.0),),
        connector_id=1,
        transaction_id="t1",
    )
    return dataclasses.replace(base, **changes)


def test_a_sound_profile_is_accepted() -> None:
    assert validate_profile(tx_profile(), has_transaction=True) is None
    absolute = tx_profile(
        purpose=Purpose.CHARGE_POINT_MAX, connector_id=0, kind=Kind.ABSOLUTE, start_schedule=T0
    )
    assert validate_profile(absolute, has_transaction=False) is None


@pytest.mark.parametrize(
    ("changes", "has_transaction", "reason"),
    [
        ({}, False, "TxProfile needs an active transaction"),
        ({"connector_id": 0}, True, "TxProfile needs an active transaction"),
        (
            {"purpose": Purpose.CHARGE_POINT_MAX, "kind": Kind.ABSOLUTE, "start_schedule": T0},
            True,
            "connector 0",
        ),
        ({"purpose": Purpose.CHARGE_POINT_MAX, "connector_id": 0}, True, "can't be Relative"),
        ({"purpose": Purpose.EXTERNAL_CONSTRAINTS}, True, "can't be set by the CSMS"),
        ({"kind": Kind.ABSOLUTE}, True, "needs startSchedule"),
        ({"kind": Kind.RECURRING, "recurrency": RecurrencyKind.DAILY}, True, "needs startSchedule"),
        ({"kind": Kind.RECURRING, "start_schedule": T0}, True, "needs recurrencyKind"),
        ({"start_schedule": T0}, True, "Relative profile must not have startSchedule"),
        ({"unit": "kW"}, True, "unsupported charging rate unit"),
        ({"connector_id": 7}, True, "unknown connector 7"),
        ({"periods": ()}, True, "first startPeriod must be 0"),
        ({"periods": (SchedulePeriod(60, 1.0),)}, True, "first startPeriod must be 0"),
        ({"periods": (SchedulePeriod(0, 1.0), SchedulePeriod(0, 2.0))}, True, "must increase"),
        ({"periods": (SchedulePeriod(0, -1.0),)}, True, "must not be negative"),
        ({"periods": (SchedulePeriod(0, 1.0, number_phases=4),)}, True, "numberPhases"),
        ({"stack_level": -1}, True, "stackLevel"),
        ({"duration": -5}, True, "duration"),
        ({"valid_from": T0, "valid_to": T0}, True, "validTo must be after validFrom"),
    ],
)
def test_station_rejects(changes: dict[str, Any], has_transaction: bool, reason: str) -> None:
    verdict = validate_profile(tx_profile(**changes), has_transaction, connector_ids={1, 2})
    assert verdict is not None and reason in verdict


def test_a_station_without_amps_rejects_amps() -> None:
    assert (
        validate_profile(tx_profile(), True, supported_units=("W",)) == "unsupported charging rate unit 'A'"
    )


def test_install_replaces_same_id_and_same_slot() -> None:
    stack = ProfileStack()
    stack.install(tx_profile(id=1, stack_level=0))
    stack.install(tx_profile(id=2, stack_level=1))
    stack.install(tx_profile(id=1, stack_level=2, unit="W"))  # same id
    assert [(p.id, p.stack_level) for p in stack] == [(1, 2), (2, 1)]
    stack.install(tx_profile(id=3, stack_level=1))  # same purpose, level, connector as id 2
    assert [p.id for p in stack.profiles] == [1, 3]
    stack.install(tx_profile(id=4, stack_level=1, connector_id=2))  # other connector: kept apart
    assert len(stack) == 3


def test_clear_by_id_ignores_the_other_criteria() -> None:
    stack = ProfileStack()
    stack.install(tx_profile(id=1))
    assert stack.clear(id=1, connector_id=9) == 1
    assert stack.clear(id=1) == 0


def test_clear_by_criteria_and_clear_all() -> None:
    stack = ProfileStack()
    stack.install(tx_profile(id=1, connector_id=1))
    stack.install(tx_profile(id=2, connector_id=2))
    stack.install(tx_profile(id=3, connector_id=0, purpose=Purpose.TX_DEFAULT, stack_level=5))
    assert stack.clear(purpose=Purpose.TX, connector_id=2) == 1
    assert stack.clear(stack_level=4) == 0
    assert stack.clear() == 2
    assert len(stack) == 0


def test_end_transaction_drops_only_that_connectors_tx_profiles() -> None:
    stack = ProfileStack()
    stack.install(tx_profile(id=1, connector_id=1))
    stack.install(tx_profile(id=2, connector_id=2))
    stack.install(tx_profile(id=3, connector_id=1, purpose=Purpose.TX_DEFAULT))
    assert stack.end_transaction(1) == 1
    assert [p.id for p in stack] == [2, 3]
