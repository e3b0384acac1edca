"""The arrivals a steering party expects at the locations it plans (pure: no I/O, no clock).

Learnt by `SessionStatistics` from the sessions it has seen there (per type of day, hour and urgency), they
are planned as fluid cars (`PlanningProblem.expected`) in the groups the location's EVSEs sit in, each group
taking its part of the arrivals by its count of EVSEs: a sub-board keeps room for the cars that will plug in
behind it, and cars present keep cheap hours only where that leaves room for the later ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from fera.config import SiteConfig
from fera.ocpi.locations.models import Location, Status
from fera.planning import Session, SessionStatistics
from fera.scsp.planning_grid import session_group

__all__ = ["EXPECTED_AHEAD", "EXPECTED_BUCKET", "EXPECTED_RESERVE", "expected_arrivals"]

EXPECTED_AHEAD = timedelta(hours=12)  # arrivals further ahead change no decision of this step
EXPECTED_BUCKET = timedelta(hours=1)  # one fluid car per hour and urgency class keeps re-plans small
# Room held per urgency class (least urgent first): the usual arrivals. `python -m bench.planning euro` does
# best with 3.5x for the urgent class, but on `python -m bench.steering` (other cars, other site) that cost
# up to 10 points more for 0.5 % energy; the mean is the choice that did no harm on both.
EXPECTED_RESERVE = (1.0, 1.0, 1.0)


def _groups(
    location_id: str, location: Location | None, sites: Sequence[SiteConfig]
) -> list[tuple[str, float]]:
    """(group, part of the arrivals) by the EVSEs behind each innermost group; one group if none is known."""
    evses = [e.uid for e in (location.evses or []) if e.status is not Status.REMOVED] if location else []
    if not evses:
        return [(session_group(sites, location_id, ""), 1.0)]
    counts = Counter(session_group(sites, location_id, uid) for uid in evses)
    return [(group, n / len(evses)) for group, n in sorted(counts.items())]


def expected_arrivals(
    located: Sequence[tuple[str, Location | None, float]],
    stats: SessionStatistics,
    now: datetime,
    step: timedelta,
    sites: Sequence[SiteConfig] = (),
) -> list[Session]:
    """`located`: per location with sessions, its id, its Location if shared and the largest car planned
    there (the power each expected car is given)."""
    return [
        replace(expected, id=f"{expected.id}:{group}")
        for location_id, location, power_w in located
        for group, share in _groups(location_id, location, sites)
        for expected in stats.expected_sessions(
            location_id, now, now + EXPECTED_AHEAD, step, max_power_w=power_w, group_id=group, share=share,
            bucket=EXPECTED_BUCKET, reserve=EXPECTED_RESERVE,
        )
    ]  # fmt: skip
