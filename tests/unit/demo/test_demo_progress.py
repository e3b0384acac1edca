"""A demo whose set-up overran starts its day later rather than cost the first arrivals their charge."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from rich.console import Console

from fera.demo.progress import Progress
from fera.demo.scenario import Scenario

START = datetime(2026, 3, 2, 6, tzinfo=UTC)


def _progress(real_start: datetime) -> Progress:
    return Progress(Console(file=io.StringIO()), {}, Scenario(start=START, evs=4), real_start)


def test_an_overrun_set_up_moves_the_whole_day_and_keeps_the_clock() -> None:
    progress = _progress(datetime.now(UTC) - timedelta(seconds=5))  # the day began 5 real s (40 min) ago
    before = progress.scenario
    shift = progress.start_by(timedelta(seconds=10))
    after = progress.scenario
    assert shift > timedelta(minutes=40 + 80 - 1) and after.start == START + shift
    assert after.start.second == 0 and after.start > progress.now()
    assert after.cut_at - before.cut_at == shift
    assert [ev.arrival - shift for ev in after.ev_arrivals()] == [ev.arrival for ev in before.ev_arrivals()]
    assert progress.clock_start == START  # the nodes' clock: unchanged
    assert progress.day_ends == max(ev.departure for ev in after.ev_arrivals())


def test_a_set_up_in_time_leaves_the_day_where_it_was() -> None:
    progress = _progress(datetime.now(UTC) + timedelta(seconds=30))
    assert progress.start_by(timedelta(seconds=10)) == timedelta(0)
    assert progress.scenario.start == START
