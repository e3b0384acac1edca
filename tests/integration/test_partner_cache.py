"""Tokens are resolved from partners held in memory: a change is still honoured at once (or, for a previous
token, when its grace window ends), and one made by another process on the same database within the TTL."""

from __future__ import annotations

import asyncio
import base64
import time
from datetime import UTC, datetime

import httpx

from fera.node import create_node
from tests.nodes import NodeFactory, RunningNode, role

DEADLINE_S = 30.0  # generous: a loaded 2-core machine


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


async def register(initiator: RunningNode, receiver: RunningNode) -> tuple[str, str]:
    """(token the initiator uses towards the receiver, the partner id the receiver knows it by)."""
    invitation = await receiver.node.partners.invite("initiator")
    partner = await initiator.node.partners.register_with(invitation.versions_url, invitation.token_a)
    assert partner.outbound_token is not None
    return partner.outbound_token, invitation.partner_id


async def status(http: httpx.AsyncClient, node: RunningNode, token: str) -> int:
    return (await http.get(node.versions_url, headers=auth(token))).status_code


async def warm(http: httpx.AsyncClient, node: RunningNode, token: str) -> None:
    """Accepted twice: the first may find the token in the database (the snapshot predates it) and renew
    the snapshot, the second is answered from the partners held in memory."""
    for _ in range(2):
        assert await status(http, node, token) == 200


async def until_refused(http: httpx.AsyncClient, node: RunningNode, token: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while await status(http, node, token) != 401:
        assert time.monotonic() < deadline, "the token was never refused"
        await asyncio.sleep(0.05)


async def test_a_rotated_token_answered_from_memory_is_refused_at_once(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO"), name="cpo", token_rotation_grace_s=0)
    emsp = await node_factory(role("EMSP"), name="emsp", token_rotation_grace_s=0)
    old_c, _ = await register(emsp, cpo)
    (partner,) = await emsp.node.partners.list()
    async with httpx.AsyncClient() as http:
        await warm(http, cpo, old_c)

        rotated = await emsp.node.partners.rotate(partner.id)

        assert await status(http, cpo, old_c) == 401
        assert await status(http, cpo, rotated.outbound_token or "") == 200


async def test_an_unregistered_token_answered_from_memory_is_refused_at_once(
    node_factory: NodeFactory,
) -> None:
    cpo = await node_factory(role("CPO"), name="cpo")
    emsp = await node_factory(role("EMSP"), name="emsp")
    token_c, _ = await register(emsp, cpo)
    (partner,) = await emsp.node.partners.list()
    async with httpx.AsyncClient() as http:
        await warm(http, cpo, token_c)

        await emsp.node.partners.unregister_from(partner.id)

        assert await status(http, cpo, token_c) == 401


async def test_the_previous_token_held_in_memory_dies_when_its_grace_window_ends(
    node_factory: NodeFactory,
) -> None:
    cpo = await node_factory(role("CPO"), name="cpo", token_rotation_grace_s=1)
    emsp = await node_factory(role("EMSP"), name="emsp", token_rotation_grace_s=1)
    old_c, partner_id = await register(emsp, cpo)
    (partner,) = await emsp.node.partners.list()
    async with httpx.AsyncClient() as http:
        await warm(http, cpo, old_c)
        rotated = await emsp.node.partners.rotate(partner.id)
        seen = await cpo.node.partners.find(partner_id)
        assert seen is not None and seen.previous_token_until is not None

        await until_refused(http, cpo, old_c)

        assert datetime.now(UTC) >= seen.previous_token_until  # not refused before the window ended
        assert await status(http, cpo, rotated.outbound_token or "") == 200


async def test_changes_by_another_process_on_the_database(node_factory: NodeFactory) -> None:
    """As the CLI does: a second node object on the same database, beside the serving one."""
    cpo = await node_factory(role("CPO"), name="cpo", partner_cache_ttl_s=0.5)
    emsp = await node_factory(role("EMSP"), name="emsp")
    token_c, partner_id = await register(emsp, cpo)
    other = create_node(cpo.node.config)
    try:
        async with httpx.AsyncClient() as http:
            await warm(http, cpo, token_c)
            invitation = await other.partners.invite("late")

            assert await status(http, cpo, invitation.token_a) == 200  # a token handed out elsewhere: at once

            async with other.database.unit_of_work() as uow:
                await uow.partners.delete(partner_id)
            await until_refused(http, cpo, token_c)  # seen once the snapshot is older than the TTL
    finally:
        await other.stop()
