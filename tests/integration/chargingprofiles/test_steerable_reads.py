"""The CPO's steerable sessions are made from their stored documents once per text: a session read again
unchanged is not parsed again, and a session or location that changed is read as it is now."""

from __future__ import annotations

from typing import Any

import pytest

from fera.cpo.chargingprofiles.sessions import SteerableSession, StoredSteerableSessions
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import Session, SessionStatus
from tests.integration.chargingprofiles.setup import location, seed, session
from tests.nodes import NodeFactory, RunningNode, role

pytestmark = pytest.mark.timeout(60)

IDS = ["S1", "S2", "s3"]  # s3: ids are matched case-insensitively, keyed upper-cased


@pytest.fixture
async def cpo(node_factory: NodeFactory) -> RunningNode:
    node = await node_factory(role("CPO", party="CPO"), name="cpo")
    sessions = [session(sid.upper(), f"LOC1-E{n}") for n, sid in enumerate(IDS, start=1)]
    await seed(node, [location(evses=3)], sessions)
    return node


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every parse of a stored session or location, by model name (from JSON text or from Python)."""
    seen: list[str] = []
    for model in (Session, Location):
        for name in ("model_validate", "model_validate_json"):
            parse = getattr(model, name)

            def counted(cls: Any, data: Any, /, *args: Any, _parse: Any = parse, **kwargs: Any) -> Any:
                seen.append(cls.__name__)
                return _parse(data, *args, **kwargs)

            monkeypatch.setattr(model, name, classmethod(counted))
    return seen


async def _read(cpo: RunningNode, sessions: StoredSteerableSessions) -> dict[str, SteerableSession]:
    async with cpo.node.database.unit_of_work() as uow:
        return await sessions.read_many(uow, IDS)


async def test_an_unchanged_session_is_parsed_once(cpo: RunningNode, monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = StoredSteerableSessions(cpo.node.database)
    parses = _parses(monkeypatch)
    first = await _read(cpo, sessions)
    assert sorted(parses) == ["Location", "Session", "Session", "Session"]  # their one location once
    assert sorted(first) == ["S1", "S2", "S3"]
    assert {s.evse_uid for s in first.values()} == {"LOC1-E1", "LOC1-E2", "LOC1-E3"}
    assert all(s.ongoing and s.profile_capable for s in first.values())

    parses.clear()
    assert await _read(cpo, sessions) == first
    assert parses == []


async def test_a_changed_session_or_location_is_read_as_it_is_now(cpo: RunningNode) -> None:
    sessions = StoredSteerableSessions(cpo.node.database)
    before = await _read(cpo, sessions)
    ended = session("S1", "LOC1-E1").model_copy(update={"status": SessionStatus.COMPLETED})
    await seed(cpo, [location(capable=False, evses=3)], [ended])

    after = await _read(cpo, sessions)
    assert before["S1"].ongoing and not after["S1"].ongoing
    assert all(s.profile_capable for s in before.values())
    assert not any(s.profile_capable for s in after.values())  # the location's EVSEs lost the capability
    assert after["S2"].session_id == "S2" and after["S2"].ongoing
