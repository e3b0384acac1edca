"""A node stops promptly while a partner it synchronises with does not answer its pulls.

After a registration the node pulls the partner's lists, each page within the client's 10 s read timeout.
A stop used to wait for every such pull: a silent partner held `fera serve`'s shutdown 10 s per list. The
stop now lets them run `sync.CLOSE_WAIT_S`, cancels the rest and says which partner's synchronisation was
cut short.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from fera.exchange import exchange_of, sync
from fera.ocpi.auth import hash_token, new_token
from fera.ocpi.types import Role
from fera.partners import Partner, PartnerEndpoint, PartnerRole
from tests.nodes import NodeFactory, role

STOP_WITHIN_S = 8.0  # below the 10 s one silent page costs without the bound


class SilentPartner:
    """Accepts connections on 127.0.0.1, reads the request and never answers."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._held: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._hold, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._held.add(task)
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.asked.set()
            await reader.read()  # until the node gives up on the connection
        finally:
            writer.close()
            self._held.discard(task)

    async def stop(self) -> None:
        """Every connection closed on our side before the test's event loop ends."""
        if self._server is not None:
            self._server.close()
        for task in list(self._held):
            task.cancel()
        await asyncio.gather(*self._held, return_exceptions=True)


@pytest.fixture
async def silent() -> AsyncIterator[SilentPartner]:
    partner = SilentPartner()
    yield partner
    await partner.stop()


async def test_a_silent_partner_does_not_hold_the_stop(
    node_factory: NodeFactory,
    silent: SilentPartner,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(sync, "CLOSE_WAIT_S", 0.2)
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    url = await silent.start()
    partner = Partner(
        id=str(uuid.uuid4()),
        name="silent CPO",
        created_at=datetime.now(UTC),
        roles=[PartnerRole(Role.CPO, "NL", "CPO", "Silent")],
        outbound_token=new_token(),
        inbound_token_hash=hash_token(new_token()),
        endpoints=[PartnerEndpoint(m, "SENDER", f"{url}/{m}") for m in ("locations", "sessions")],
    )
    async with emsp.node.database.unit_of_work() as uow:
        await uow.partners.add(partner)
    await exchange_of(emsp.node).sync.on_registered(partner)
    await asyncio.wait_for(silent.asked.wait(), 30)  # the pull of its locations is under way

    with caplog.at_level(logging.WARNING, logger="fera.exchange.sync"):
        await asyncio.wait_for(emsp.server.stop(), STOP_WITHIN_S)

    cut = [r.getMessage() for r in caplog.records if r.name == "fera.exchange.sync"]
    assert cut == ["synchronisation with silent CPO cut short by the node's stop"]
