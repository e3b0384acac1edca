"""The sustained full-path bench changes every session's limit at each round trip to it (else the CPO has
no ActiveChargingProfile to push, and the bench measures less than it says)."""

from __future__ import annotations

import pytest
from bench.stations.__main__ import sustained_limit


@pytest.mark.parametrize("sessions", [1, 2, 7, 10, 100, 400])
def test_each_round_trip_moves_its_sessions_limit(sessions: int) -> None:
    trips = 3 * sessions
    for n in range(trips - sessions):  # the n-th trip and the next one to the same session
        assert sustained_limit(n, sessions) != sustained_limit(n + sessions, sessions)
        assert 6.0 <= sustained_limit(n, sessions) <= 16.0  # within what the stations' EVSEs take
