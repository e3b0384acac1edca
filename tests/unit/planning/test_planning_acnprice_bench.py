"""ACN price bench: the tariff follows Caltech's clock; arrivals are learnt without look-ahead."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from bench.planning.acn import Evs
from bench.planning.acnprice import RATES, day_start, learner, local, tariff, tou

LA = ZoneInfo("America/Los_Angeles")


def test_periods_of_the_tariff() -> None:
    assert tou(datetime(2019, 3, 4, 12, tzinfo=LA)) == ("winter", "super-off-peak")
    assert tou(datetime(2019, 3, 4, 16, tzinfo=LA)) == ("winter", "mid-peak")
    assert tou(datetime(2019, 3, 4, 21, tzinfo=LA)) == ("winter", "off-peak")
    assert tou(datetime(2019, 3, 4, 7, 55, tzinfo=LA)) == ("winter", "off-peak")
    assert tou(datetime(2019, 7, 1, 17, tzinfo=LA)) == ("summer", "on-peak")  # a Monday
    assert tou(datetime(2019, 7, 6, 17, tzinfo=LA)) == ("summer", "mid-peak")  # a Saturday
    assert tou(datetime(2019, 7, 1, 12, tzinfo=LA)) == ("summer", "off-peak")


def test_first_day_is_caltech_local_midnight_to_midnight() -> None:
    """Period 0 is midnight in Pasadena: 8 h super-off-peak, 5 h mid-peak, 11 h off-peak."""
    assert local(0) == datetime(2019, 3, 1, tzinfo=LA)
    day = tariff(288)
    counts = [int((day == RATES["winter", p]).sum()) for p in ("super-off-peak", "mid-peak", "off-peak")]
    assert counts == [96, 60, 132]
    assert day[8 * 12 - 1] == RATES["winter", "off-peak"] and day[8 * 12] == RATES["winter", "super-off-peak"]


def test_daylight_saving_moves_the_clock_not_the_periods() -> None:
    """10 March 2019 has 23 hours: the next day starts one hour (12 periods) earlier than 288 per day."""
    assert day_start(10 * 288) == 10 * 288 - 12
    assert local(10 * 288 - 12).hour == 0


def test_learner_sees_only_sessions_gone_before_the_day() -> None:
    evs = Evs(
        arrival=np.array([100, 200]),
        departure=np.array([250, 300]),  # the second leaves at 01:00 on day 2
        energy=np.array([5.0, 5.0]),
    )
    seen = learner(evs)

    def learnt(t: int) -> float:
        return seen(t).arrivals_per_hour("site", local(100)) + seen(t).arrivals_per_hour("site", local(200))

    assert learnt(240) == 0  # day 1: nothing has left before it began
    assert learnt(299) == 1  # day 2: the first, not the second, still there at midnight
    assert learnt(576) == 2  # day 3: both
