"""Which party limited a session most of its time, from the CPO's record of who limits from when."""

from __future__ import annotations

from fera.demo.records import dominant
from tests.unit.demo.test_demo_report import at


def test_the_party_in_force_longest_within_the_session_wins() -> None:
    changes = [(at(-30), "evse"), (at(0), "scsp-id"), (at(20), "local"), (at(30), "scsp-id")]

    assert dominant(changes, at(10), at(60)) == "scsp-id"  # 10 + 30 minutes against the site's 10
    assert dominant(changes, at(-30), at(25)) == "evse"  # 30 minutes before the sender's 20
    assert dominant(changes, at(20), at(30)) == "local"


def test_nothing_recorded_names_no_one() -> None:
    assert dominant([], at(0), at(60)) is None
    assert dominant([(at(90), "scsp-id")], at(0), at(60)) is None  # only after the session
