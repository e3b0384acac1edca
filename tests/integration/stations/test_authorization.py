"""Tokens real-time authorization: the eMSP's `POST {tokens}/{uid}/authorize`, and the CPO asking it when a
station presents a tag whose whitelist is NEVER / ALLOWED_OFFLINE, or one it holds no token for."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fera.emsp import emsp_of
from fera.ocpi.sessions.models import AuthMethod
from fera.ocpi.tokens.models import AllowedType, LocationReferences, Token, WhitelistType
from fera.sessions_events import TokenChanged
from tests.integration.stations.conftest import StageFactory
from tests.integration.stations.stage import SPECS, Recorder, Stage, ev, token
from tests.integration.test_sessions_support import auth, outbound_token
from tests.nodes import NodeFactory

pytestmark = pytest.mark.timeout(60)
WHERE = {"location_id": "LOC1", "evse_uids": ["LOC1-E1", "LOC1-E2", "LOC1-E3", "LOC1-E4"]}


async def shared(stage: Stage, tok: Token) -> None:
    """The eMSP's token, pushed and stored at the CPO."""
    received = Recorder(stage.cpo.node.events, TokenChanged)
    await emsp_of(stage.emsp.node).tokens.put_token(tok)
    await received.wait(lambda e: e.token.uid == tok.uid and e.token.whitelist is tok.whitelist)


async def post(stage: Stage, path: str, body: Any = None, **params: str) -> httpx.Response:
    url = f"{stage.emsp.url}/ocpi/2.2.1/sender/tokens/{path}"
    async with httpx.AsyncClient(timeout=10) as client:
        headers = auth(await outbound_token(stage.cpo, "MSP"))
        return await client.post(url, json=body, params=params, headers=headers)


async def test_authorize_answers_authorization_info(stages: StageFactory) -> None:
    stage = await stages(tokens=0)
    await emsp_of(stage.emsp.node).tokens.put_token(token("RT1"))
    allowed = await post(stage, "RT1/authorize", WHERE, type="RFID")
    assert allowed.status_code == 200
    data = allowed.json()["data"]
    assert (data["allowed"], data["location"], data["token"]["uid"]) == ("ALLOWED", WHERE, "RT1")
    assert isinstance(data["authorization_reference"], str) and data["authorization_reference"]
    bare = (await post(stage, "RT1/authorize")).json()["data"]  # no body, type defaults to RFID
    assert "location" not in bare and bare["authorization_reference"] != data["authorization_reference"]
    long_form = (await post(stage, "NL/MSP/RT1/authorize", WHERE)).json()["data"]
    assert long_form["allowed"] == "ALLOWED"

    await emsp_of(stage.emsp.node).tokens.set_valid("RT1", False)
    blocked = (await post(stage, "RT1/authorize")).json()["data"]
    assert blocked["allowed"] == "BLOCKED" and "authorization_reference" not in blocked


async def test_authorize_refusals(stages: StageFactory) -> None:
    stage = await stages(tokens=0)
    await emsp_of(stage.emsp.node).tokens.put_token(token("RT1"))
    unknowns = [
        await post(stage, "NOPE/authorize"),
        await post(stage, "NL/XXX/RT1/authorize"),  # not this eMSP's party
        await post(stage, "RT1/authorize", type="APP_USER"),  # (uid, type) is the key
    ]
    for unknown in unknowns:
        assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2004)
        assert unknown.json().get("data") is None
    invalid = await post(stage, "RT1/authorize", {"evse_uids": ["E1"]})
    assert (invalid.status_code, invalid.json()["status_code"]) == (200, 2001)


async def test_never_whitelisted_tag_is_asked_in_real_time(stages: StageFactory) -> None:
    stage = await stages(tokens=0)
    await shared(stage, token("SIM000000").model_copy(update={"whitelist": WhitelistType.NEVER}))
    (session,) = await stage.charging(SPECS[:1], (ev("ST16", 1),))
    assert session.auth_method is AuthMethod.AUTH_REQUEST
    assert session.authorization_reference is not None and session.cdr_token.uid == "SIM000000"


async def test_the_emsps_answer_decides(stages: StageFactory) -> None:
    stage = await stages(tokens=0)
    tokens = emsp_of(stage.emsp.node).tokens
    seen: list[LocationReferences | None] = []

    def no_credit(tok: Token, where: LocationReferences | None) -> AllowedType:
        seen.append(where)
        return AllowedType.NO_CREDIT if tok.uid == "POOR" else AllowedType.ALLOWED

    tokens.policy = no_credit
    for uid in ("POOR", "RICH"):
        await shared(stage, token(uid).model_copy(update={"whitelist": WhitelistType.NEVER}))
    events = stage.stations.events
    assert await events.authorize("ST16", "POOR") is False
    assert await events.authorize("ST16", "RICH") is True
    assert seen[0] == LocationReferences.model_validate(WHERE | {"evse_uids": ["LOC1-E1", "LOC1-E2"]})


async def test_tag_unknown_to_the_cpo_is_asked_to_its_emsps(stages: StageFactory) -> None:
    stage = await stages(tokens=0)
    async with stage.emsp.node.database.unit_of_work() as uow:  # the eMSP's, never pushed to the CPO
        await uow.tokens.put(token("QUIET"), None)
    events = stage.stations.events
    assert await events.authorize("ST201", "QUIET") is True
    assert await events.authorize("ST201", "NOBODY") is False


async def test_unreachable_emsp(stages: StageFactory, node_factory: NodeFactory) -> None:
    stage = await stages(tokens=0)
    await shared(stage, token("OFF").model_copy(update={"whitelist": WhitelistType.ALLOWED_OFFLINE}))
    await shared(stage, token("NEV").model_copy(update={"whitelist": WhitelistType.NEVER}))
    await stage.emsp.server.stop()
    node_factory.running.remove(stage.emsp)
    events = stage.stations.events
    assert await events.authorize("ST16", "OFF") is True  # whitelisted for when the eMSP can't be asked
    assert await events.authorize("ST16", "NEV") is False
