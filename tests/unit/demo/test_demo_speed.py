"""The demo's default speed follows how busy the machine is: slower rather than worse."""

from __future__ import annotations

import os

import pytest

from fera.demo import scenario
from fera.demo.scenario import SPEED, auto_speed


@pytest.mark.parametrize(
    ("load", "cores", "speed"),
    [(0.3, 2, SPEED), (1.9, 2, SPEED), (2.0, 2, SPEED / 2), (2.9, 2, SPEED / 2), (3.0, 2, SPEED / 4)],
)
def test_a_busy_machine_runs_the_day_slower(load: float, cores: int, speed: float) -> None:
    assert auto_speed(load, cores) == speed


def test_more_cores_carry_more_load_at_full_speed() -> None:
    assert auto_speed(6.0, 8) == SPEED and auto_speed(2.5, 2) == SPEED / 2


class _Stat:
    def __init__(self, text: str | None) -> None:
        self.text = text

    def __call__(self, path: str) -> _Stat:
        assert path == "/proc/stat"
        return self

    def read_text(self) -> str:
        if self.text is None:
            raise OSError("no /proc here")
        return self.text


def test_work_that_just_started_counts_before_the_load_average_shows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "getloadavg", lambda: (0.4, 0.2, 0.1))
    monkeypatch.setattr(scenario, "Path", _Stat("cpu  1 2 3\nprocs_running 4\nprocs_blocked 0\n"))
    assert scenario.machine_load(samples=2, interval_s=0) == 3  # three busy loops besides the demo
    monkeypatch.setattr(scenario, "Path", _Stat(None))
    assert scenario.machine_load(samples=2, interval_s=0) == 0.4  # not Linux: the load average
