"""The demo's default speed follows how busy the machine is: slower rather than worse."""

from __future__ import annotations

import pytest

from fera.demo.scenario import SPEED, auto_speed


@pytest.mark.parametrize(
    ("load", "cores", "speed"),
    [(0.3, 2, SPEED), (1.9, 2, SPEED), (2.0, 2, SPEED / 2), (4.9, 2, SPEED / 2), (5.0, 2, SPEED / 4)],
)
def test_a_busy_machine_runs_the_day_slower(load: float, cores: int, speed: float) -> None:
    assert auto_speed(load, cores) == speed


def test_more_cores_carry_more_load_at_full_speed() -> None:
    assert auto_speed(6.0, 8) == SPEED and auto_speed(4.0, 2) == SPEED / 2
