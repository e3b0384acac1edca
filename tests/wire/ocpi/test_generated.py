"""Generated requests against each role's OpenAPI document (docs/openapi/{role}.json), valid and invalid.

Every answer is below HTTP 500 and, on OCPI paths, an OCPI envelope; the node logs no error (no traceback);
every ChargingProfile the CPO accepts gets through its job (answered, never left QUEUED).
Schemathesis draws the cases, Hypothesis runs them (derandomized: CI sees the same cases every run).
"""

from __future__ import annotations

import base64
import functools
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode

from fera.config import NodeConfig
from fera.node import Node, create_node
from fera.ocpi.auth import hash_token, new_token
from fera.ocpi.types import Role
from fera.partners import Partner, PartnerEndpoint, PartnerRole
from fera.smartcharging.model import JobState
from tests.integration.chargingprofiles.setup import location, session
from tests.nodes import role

OPENAPI = Path(__file__).parents[3] / "docs" / "openapi"
EXAMPLES_PER_ROLE = 1000
ADMIN_TOKEN = "generated-admin-token-0123456789"
PEER = "http://peer.test"


@dataclass
class Target:
    node: Node
    http: httpx.AsyncClient
    token: str
    errors: list[logging.LogRecord]


class _Errors(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[list[logging.LogRecord]]:
    records: list[logging.LogRecord] = []
    handler = _Errors(records)
    logging.getLogger().addHandler(handler)
    try:
        yield records
    finally:
        logging.getLogger().removeHandler(handler)


def _refuse(request: httpx.Request) -> httpx.Response:
    """Nothing leaves the test: every outbound call (results, credentials, pushes) finds no peer."""
    raise httpx.ConnectError("no peer in generated tests", request=request)


async def _partner(node: Node) -> str:
    """A partner holding every role, so generated requests pass authentication and confinement."""
    token = new_token()
    parties = [("CPO", "CPX"), ("EMSP", "MSP"), ("SCSP", "SCX")]
    partner = Partner(
        id=str(uuid.uuid4()),
        name="generated",
        created_at=datetime.now(UTC),
        roles=[PartnerRole(Role(kind), "NL", party, kind) for kind, party in parties],
        outbound_token=new_token(),
        inbound_token_hash=hash_token(token),
        endpoints=[
            PartnerEndpoint(m, r, f"{PEER}/{m}")
            for m in ("chargingprofiles", "sessions", "locations")
            for r in ("SENDER", "RECEIVER")
        ],
    )
    async with node.database.unit_of_work() as uow:
        await uow.partners.add(partner)
    return token


async def _seed(node: Node) -> None:
    """The CPO's own Location and Session, so ChargingProfiles can be ACCEPTED and applied."""
    async with node.database.unit_of_work() as uow:
        await uow.locations.put(location(), None)
        await uow.sessions.put(session("S1", "LOC1-E1"), None)


@pytest.fixture
async def target(
    request: pytest.FixtureRequest, tmp_path: Path, errors: list[logging.LogRecord]
) -> AsyncIterator[Target]:
    config = NodeConfig(
        name=request.param,
        public_url="http://node.test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'n.sqlite3'}",
        roles=[role(request.param.upper(), party="FER")],
        admin_token=ADMIN_TOKEN,
    )
    node = create_node(config, transport=httpx.MockTransport(_refuse))
    await node.start()
    await _seed(node)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app)) as http:
            yield Target(node, http, await _partner(node), errors)
    finally:
        await node.stop()


@functools.cache
def _cases(role_name: str) -> st.SearchStrategy[Any]:
    schema = schemathesis.openapi.from_path(str(OPENAPI / f"{role_name}.json"))
    return st.one_of(schema.as_strategy(GenerationMode.POSITIVE), schema.as_strategy(GenerationMode.NEGATIVE))


def _prepared(case: Any, data: st.DataObject, token: str) -> requests.PreparedRequest:
    """The request exactly as schemathesis would send it, with our credentials (and, half the time on the
    CPO's Receiver, a session that exists so the profile can be ACCEPTED and applied)."""
    if "session_id" in (case.path_parameters or {}) and data.draw(st.booleans()):
        case.path_parameters["session_id"] = "S1"
    kwargs = case.as_transport_kwargs(base_url="http://node.test")
    path = kwargs["url"].removeprefix("http://node.test")
    admin = path.startswith("/fera/admin")
    kwargs["headers"]["Authorization"] = f"Bearer {ADMIN_TOKEN}" if admin else f"Token {token}"
    return requests.Request(**kwargs).prepare()


async def _check(target: Target, prepared: requests.PreparedRequest) -> None:
    body = prepared.body
    assert body is None or isinstance(body, str | bytes)
    headers = {k: v if isinstance(v, str) else v.decode("latin-1") for k, v in prepared.headers.items()}
    method, url = prepared.method or "GET", prepared.url or ""
    response = await target.http.request(method, url, headers=headers, content=body)
    what = f"{prepared.method} {prepared.url} -> {response.status_code} {response.text[:300]}"
    assert response.status_code < 500, what
    if httpx.URL(prepared.url or "").path.startswith("/ocpi"):
        envelope = response.json()
        assert isinstance(envelope.get("status_code"), int) and "timestamp" in envelope, what
    if target.node.cpo_profiles is not None:
        await target.node.cpo_profiles.applier.drain()
        async with target.node.database.unit_of_work() as uow:
            jobs = await uow.profile_jobs.for_session("S1")
        assert all(job.state is not JobState.QUEUED for job in jobs), what
    assert not target.errors, f"{what}\nlogged: {[r.getMessage() for r in target.errors]}"
    if await target.node.partners.resolve(hash_token(target.token)) is None:
        target.token = await _partner(target.node)  # a generated credentials DELETE/PUT took it away


def _generated_test(role_name: str) -> Any:
    @pytest.mark.timeout(600)  # about 20 s each on a quiet 2-core machine; generous for a loaded one
    @pytest.mark.parametrize("target", [role_name], indirect=True)
    @settings(
        max_examples=EXAMPLES_PER_ROLE,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    async def test(target: Target, data: st.DataObject) -> None:
        token = base64.b64encode(target.token.encode()).decode()
        await _check(target, _prepared(data.draw(_cases(role_name)), data, token))

    return test


test_cpo_openapi = _generated_test("cpo")
test_emsp_openapi = _generated_test("emsp")
test_scsp_openapi = _generated_test("scsp")
