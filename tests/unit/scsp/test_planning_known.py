"""The known sessions, found by their location: the index follows every change of the mapping."""

from __future__ import annotations

from dataclasses import replace

from fera.scsp.planning_known import KnownSessions, location_key
from tests.unit.scsp.test_scsp_planning_grid import known

LOC1 = location_key("nl", "cpo", "loc1")  # stored as pushed, found whatever the case
LOC2 = location_key("NL", "CPO", "LOC2")


def test_sessions_are_found_at_their_location_after_every_change() -> None:
    sessions = KnownSessions()
    a, b, c = known("A", "E1"), known("B", "E2"), known("C", "E3")
    for k in (a, b, c):
        sessions[k.key] = k
    assert sessions.at(LOC1) == [a.key, b.key, c.key] and sessions.at(LOC2) == []

    moved = replace(b, session=b.session.model_copy(update={"location_id": "LOC2"}))
    sessions[b.key] = moved  # replaced: found where it is now, not where it was
    assert sessions.at(LOC1) == [a.key, c.key] and sessions.at(LOC2) == [b.key]

    assert sessions.pop(a.key) is a
    del sessions[c.key]
    assert sessions.at(LOC1) == [] and list(sessions) == [b.key]
    sessions.clear()
    assert sessions.at(LOC2) == [] and not sessions
