"""`fera partners …` as a user runs it: a subprocess beside real serving nodes (one with its OCPP gateway)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx

from fera.cli.partners import short_ids
from fera.cpo import cpo_of
from fera.ocpi.auth import authorization_header
from fera.partners import Partner
from fera.server import free_port
from tests.integration.cli import fera, one_line_failure, write_config
from tests.integration.test_sessions_support import location
from tests.nodes import NodeFactory, RunningNode, role

ADMIN = "admin-token-for-tests-0123456789"


async def _location_ids(running: RunningNode) -> set[str]:
    async with running.node.database.unit_of_work() as uow:
        return await uow.locations.ids()


async def _cpo_with_a_location(node_factory: NodeFactory) -> RunningNode:
    cpo = await node_factory(role("CPO"), name="cpo")
    await cpo_of(cpo.node).locations.put_location(location("LOC1"))
    return cpo


async def test_invite_list_revoke_beside_a_serving_cpo_and_its_gateway(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    ocpp = free_port()
    cpo = await node_factory(role("CPO"), name="cpo", ocpp_listen=f"127.0.0.1:{ocpp}")
    config = str(write_config(cpo.node.config, tmp_path / "cpo.toml"))

    invited = await fera("partners", "invite", "-c", config, "--name", "acme")
    listed = await fera("partners", "list", "-c", config)
    invitations = await fera("partners", "invitations", "-c", config)

    assert (invited.code, listed.code, invitations.code) == (0, 0, 0), invited.out + listed.out
    token_a = next(line.split()[-1] for line in invited.lines if line.startswith("token A:"))
    [invitation] = await cpo.node.partners.invitations()
    assert (
        invitation.id[:8] in listed.out and invitation.id[:8] in invitations.out and "acme" in invitations.out
    )
    stations = cpo_of(cpo.node).stations
    assert stations is not None and stations.port == ocpp  # the serving node's gateway, untouched

    revoked = await fera("partners", "revoke", "-c", config, invitation.id[:8])

    assert revoked.code == 0 and "Revoked" in revoked.out, revoked.out
    assert await cpo.node.partners.invitations() == []
    async with httpx.AsyncClient() as http:
        answer = await http.get(cpo.versions_url, headers={"Authorization": authorization_header(token_a)})
    assert answer.status_code == 401
    one_line_failure(await fera("partners", "revoke", "-c", config, token_a), "no partner")


async def test_register_here_pulls_then_hints_on_a_used_or_wrong_token(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    cpo = await _cpo_with_a_location(node_factory)
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    other = await node_factory(role("EMSP", party="OTH"), name="other")
    config = str(write_config(emsp.node.config, tmp_path / "emsp.toml"))
    other_config = str(write_config(other.node.config, tmp_path / "other.toml"))
    invitation = await cpo.node.partners.invite("emsp")

    registered = await fera("partners", "register", "-c", config, invitation.versions_url, invitation.token_a)

    assert registered.code == 0, registered.out
    assert await _location_ids(emsp) == {"LOC1"}  # pulled before the command returned
    again = await fera("partners", "register", "-c", config, invitation.versions_url, invitation.token_a)
    one_line_failure(again, "already registered with Test CPO", "rotate")
    used = await fera("partners", "register", "-c", other_config, invitation.versions_url, invitation.token_a)
    one_line_failure(used, "already used", "ask the partner for a new invitation")
    wrong = await fera("partners", "register", "-c", other_config, invitation.versions_url, "not-a-token")
    one_line_failure(wrong, "token A refused", "new invitation")


async def test_register_through_the_admin_api_syncs_in_the_serving_node(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    cpo = await _cpo_with_a_location(node_factory)
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp", admin_token=ADMIN)
    config = str(write_config(emsp.node.config, tmp_path / "emsp.toml"))
    invitation = await cpo.node.partners.invite("emsp")

    registered = await fera("partners", "register", "-c", config, invitation.versions_url, invitation.token_a)

    assert registered.code == 0 and "Registered with" in registered.out, registered.out
    for _ in range(600):  # the serving node pulls after answering: wait for it, up to a minute
        if await _location_ids(emsp) == {"LOC1"}:
            break
        await asyncio.sleep(0.1)
    assert await _location_ids(emsp) == {"LOC1"}


async def test_rotate_and_unregister_take_the_ids_list_prints(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    cpo = await node_factory(role("CPO"), name="cpo")
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    config = str(write_config(emsp.node.config, tmp_path / "emsp.toml"))
    invitation = await cpo.node.partners.invite("emsp")
    assert (
        await fera("partners", "register", "-c", config, invitation.versions_url, invitation.token_a)
    ).code == 0
    [partner] = await emsp.node.partners.list()
    listed = await fera("partners", "list", "-c", config)
    printed = next(line.split()[1] for line in listed.lines if "Test CPO" in line)
    assert partner.id.startswith(printed) and len(printed) == 8

    rotated = await fera("partners", "rotate", "-c", config, printed)
    unknown = await fera("partners", "rotate", "-c", config, "zzzz")
    too_short = await fera("partners", "unregister", "-c", config, printed[:3])
    unregistered = await fera("partners", "unregister", "-c", config, printed)

    assert rotated.code == 0 and "Rotated tokens with Test CPO" in rotated.out, rotated.out
    one_line_failure(unknown, "no partner zzzz", "fera partners list")
    one_line_failure(too_short, "give at least 4 characters of the id", "fera partners list")
    assert unregistered.code == 0, unregistered.out
    assert await emsp.node.partners.list() == [] and await cpo.node.partners.list() == []


async def test_invitations_are_listed_and_revoked_in_the_admin_api(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO"), name="cpo", admin_token=ADMIN)
    kept, revoked = await cpo.node.partners.invite("kept"), await cpo.node.partners.invite("revoked")
    admin = {"Authorization": f"Bearer {ADMIN}"}

    async with httpx.AsyncClient(base_url=cpo.url + "/fera/admin/partners", headers=admin) as http:
        by_token = await http.delete(f"/invitations/{revoked.token_a}")
        again = await http.delete(f"/invitations/{revoked.partner_id[:8]}")
        listed = await http.get("/invitations")

    assert by_token.json()["data"] == {"partner_id": revoked.partner_id, "name": "revoked"}
    assert again.status_code == 404 and again.json()["status_message"].startswith("no partner")
    assert [(i["partner_id"], i["name"]) for i in listed.json()["data"]] == [(kept.partner_id, "kept")]


async def test_an_unreachable_partner_is_one_line(node_factory: NodeFactory, tmp_path: Path) -> None:
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    config = str(write_config(emsp.node.config, tmp_path / "emsp.toml"))
    nowhere = f"http://127.0.0.1:{free_port()}/ocpi/versions"

    run = await fera("partners", "register", "-c", config, nowhere, "some-token")

    one_line_failure(run, f"{nowhere} at {nowhere}: ConnectError", "(no answer)")
    assert await emsp.node.partners.list() == []


def test_short_ids_stay_unique() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    partners = [Partner(i, "p", when) for i in ("abcdef12-0001", "abcdef12-0002", "12345678-9999")]

    assert short_ids(partners) == {
        "abcdef12-0001": "abcdef12-0001",
        "abcdef12-0002": "abcdef12-0002",
        "12345678-9999": "12345678",
    }
