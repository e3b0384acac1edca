"""The 2.0.1 gateway side's transaction bookkeeping, driven through its handlers without a network."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fera.ocpp.v201 import StationV201


class Recorder:
    """Just enough StationEvents: records the transaction events."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    async def authorize(self, station_id: str, id_token: str) -> bool:
        return id_token == "GOOD"

    async def transaction_started(self, *args: Any) -> None:
        self.calls.append(("started", *args))

    async def meter_values(self, *args: Any) -> None:
        self.calls.append(("meter", *args))

    async def transaction_stopped(self, *args: Any) -> None:
        self.calls.append(("stopped", *args))


def meter(wh: float, at: str) -> list[dict[str, Any]]:
    return [{"timestamp": at, "sampled_value": [{"value": wh}]}]


async def test_start_waits_for_the_id_token_and_keeps_the_meter_start() -> None:
    events = Recorder()
    station = StationV201("CS", connection=None, events=events, call_timeout=1.0)  # type: ignore[arg-type]
    tx = {"transaction_id": "T1"}
    t0, t1, t2 = "2025-06-01T08:00:00Z", "2025-06-01T08:05:00Z", "2025-06-01T09:00:00Z"
    cable = await station.on_transaction_event(
        "Started", t0, tx, meter(100.0, t0), {"id": 2, "connector_id": 1}
    )
    assert cable.id_token_info is None and events.calls == []  # plugged in, nobody known yet
    await station.on_transaction_event("Updated", t1, tx, meter(150.0, t1))
    assert events.calls == []
    authorized = await station.on_transaction_event(
        "Updated", t1, tx, None, None, {"id_token": "BAD", "type": "ISO14443"}
    )
    assert authorized.id_token_info == {"status": "Invalid"}
    await station.on_transaction_event("Ended", t2, {**tx, "stopped_reason": "Local"})
    started, stopped = events.calls
    assert started == ("started", "CS", 2, 1, "T1", "BAD", 100.0, datetime.fromisoformat(t0))
    assert stopped == ("stopped", "CS", 2, "T1", datetime.fromisoformat(t2), 150.0, "Local")


async def test_a_transaction_ended_unseen_is_still_reported() -> None:
    events = Recorder()
    station = StationV201("CS", connection=None, events=events, call_timeout=1.0)  # type: ignore[arg-type]
    await station.on_transaction_event("Ended", "2025-06-01T08:00:00Z", {"transaction_id": "T9"})
    assert [c[0] for c in events.calls] == ["started", "stopped"]
    assert events.calls[0][2] == 0  # the EVSE was never named
