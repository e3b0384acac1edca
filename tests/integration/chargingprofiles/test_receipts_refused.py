"""The Sender's requests stored together: one the database refuses does not take the others down with it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from fera.smartcharging._receipts import Receipts
from fera.smartcharging.model import ProfileRequest, RequestKind, RequestState
from fera.store import Database

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def request(request_id: str, session_id: str) -> ProfileRequest:
    return ProfileRequest(request_id, RequestKind.CLEAR, "P1", session_id, RequestState.PENDING, T0)


async def test_a_refused_request_row_fails_only_its_own_caller(database: Database) -> None:
    receipts = Receipts(database)
    await receipts.request(request("R1", "S1"))
    # Sent at once, so written as one group: R1 again (its id is taken) between two new requests.
    outcomes = await asyncio.gather(
        receipts.request(request("R2", "S2")),
        receipts.request(request("R1", "S9")),
        receipts.request(request("R3", "S3")),
        return_exceptions=True,
    )
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], IntegrityError)
    async with database.reading() as uow:
        stored = {rid: await uow.profile_requests.get(rid) for rid in ("R1", "R2", "R3")}
    assert {rid: r.session_id if r else None for rid, r in stored.items()} == {
        "R1": "S1",
        "R2": "S2",
        "R3": "S3",
    }


async def test_a_refused_request_alone_fails_its_caller(database: Database) -> None:
    receipts = Receipts(database)
    await receipts.request(request("R1", "S1"))
    with pytest.raises(IntegrityError):
        await receipts.request(request("R1", "S2"))
