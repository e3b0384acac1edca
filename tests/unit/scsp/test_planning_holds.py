"""The CPO's holds are planned with once they last a step, for a step, and end when the CPO lets go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.scsp.planning_holds import Holds

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=15)
KEY = ("cpo", "S1")


def test_a_hold_that_does_not_last_is_never_planned_with() -> None:
    """The CPO's site raised the car after lowering the others: its push at 0 A was a moment's state."""
    holds = Holds(STEP)
    assert not holds.seen(KEY, 0.0, T0)
    assert holds.in_force(T0 + timedelta(minutes=5)) == {}
    assert not holds.seen(KEY, None, T0 + timedelta(minutes=6))  # let go before it counted
    assert holds.in_force(T0 + STEP) == {}


def test_a_lasting_hold_is_planned_with_for_a_step_then_tried_again() -> None:
    holds = Holds(STEP)
    holds.seen(KEY, 4_140.0, T0)
    holds.seen(KEY, 4_140.0, T0 + timedelta(minutes=10))  # the same hold again: it lasts since T0
    assert holds.in_force(T0 + STEP) == {KEY: 4_140.0}
    assert holds.in_force(T0 + 2 * STEP) == {}  # tried again: the hold has to last anew
    assert holds.in_force(T0 + 3 * STEP) == {KEY: 4_140.0}
    assert holds.seen(KEY, None, T0 + 3 * STEP + timedelta(minutes=1))  # the CPO let it go: re-plan
    assert holds.in_force(T0 + 4 * STEP) == {} and holds.level(KEY) is None
