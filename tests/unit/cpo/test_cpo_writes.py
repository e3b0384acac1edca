"""`Writes`: were a session's inputs written after a moment (a bounded number of sessions remembered)."""

from __future__ import annotations

from fera.cpo.chargingprofiles.writes import Writes


def test_a_write_after_the_moment_makes_the_snapshot_stale_and_others_do_not() -> None:
    writes = Writes()
    writes.wrote(["s1"])
    moment = writes.now()
    assert not writes.since("S1", moment)  # written before the moment: the snapshot is current
    writes.wrote(["s2", "s3"])
    assert not writes.since("s1", moment)  # other sessions' writes leave it current
    writes.wrote(["S1"])
    assert writes.since("s1", moment)
    assert not writes.since("never-written", moment)


def test_only_the_last_written_sessions_are_remembered_and_a_forgotten_one_is_never_wrongly_current() -> None:
    writes = Writes(keep=3)
    early = writes.now()
    writes.wrote([f"s{n}" for n in range(1000)])  # a thousand sessions steered
    assert len(writes) == 3
    late = writes.now()
    assert writes.since("s0", early)  # forgotten, written after `early`: stale, read again
    assert not writes.since("s0", late)  # forgotten, written before `late`: current
    assert writes.since("s999", early) and not writes.since("s999", late)
    writes.wrote(["s5"])  # written again: remembered again
    assert writes.since("s5", late)
