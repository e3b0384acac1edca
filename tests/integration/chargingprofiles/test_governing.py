"""Several steering parties on one session at the CPO: whose profiles govern per location, and who limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import ValidationError

from fera.charging import EVSE_MAXIMUM
from fera.config import ContractConfig, NodeConfig, SiteConfig, SteeringConfig
from fera.ocpi.types import format_datetime
from fera.smartcharging.model import RequestState
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(60)


async def three(node_factory: NodeFactory) -> tuple[RunningNode, RunningNode, RunningNode, dict[str, str]]:
    """A CPO that contracts the SCSP for LOC1 and LOC2 and lets only the contract govern LOC1."""
    cpo = await node_factory(
        role("CPO", party="CPO"),
        name="cpo",
        contracts=[ContractConfig(scsp="NL*SCS", locations=["LOC1", "LOC2"])],
        steering=[SteeringConfig(location="loc1", governing="contract")],
    )
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", plan_sessions=False)
    cpo_at_emsp, emsp_at_cpo = await connect(emsp, cpo)
    cpo_at_scsp, scsp_at_cpo = await connect(scsp, cpo)
    await seed(
        cpo,
        [location(), location("LOC2", evses=1)],
        [session("S1", "LOC1-E1"), session("S2", "LOC2-E1", location_id="LOC2")],
    )
    ids = {"cpo@emsp": cpo_at_emsp.id, "cpo@scsp": cpo_at_scsp.id}
    return cpo, emsp, scsp, ids | {"emsp": emsp_at_cpo.id, "scsp": scsp_at_cpo.id}


async def test_where_the_contract_governs_only_the_contracted_scsp_steers(node_factory: NodeFactory) -> None:
    cpo, emsp, scsp, ids = await three(node_factory)
    assert emsp.node.profile_sender and scsp.node.profile_sender and cpo.node.cpo_profiles
    refused = await emsp.node.profile_sender.set_profile(ids["cpo@emsp"], "S1", amps((0, 0.0)))
    assert (refused.state, refused.response) == (RequestState.REFUSED, "REJECTED")

    request = await scsp.node.profile_sender.set_profile(ids["cpo@scsp"], "S1", amps((0, 16.0)))
    done = await scsp.node.profile_sender.wait(request.id, timeout=10)
    assert done.result == {"result": "ACCEPTED"}
    await cpo.node.cpo_profiles.applier.drain()
    (tx,) = list(cpo.node.cpo_profiles.stations.in_process.stack("LOC1-E1"))
    assert tx.periods[0].limit == 16.0  # the eMSP's 0 A never reached the station

    # Elsewhere the default stays: the token's eMSP may steer too, and the minimum applies.
    other = await emsp.node.profile_sender.set_profile(ids["cpo@emsp"], "S2", amps((0, 10.0)))
    assert other.response == "ACCEPTED"


async def test_the_active_profile_names_the_limiting_sender_and_when(node_factory: NodeFactory) -> None:
    cpo, emsp, scsp, ids = await three(node_factory)
    module = cpo.node.cpo_profiles
    assert emsp.node.profile_sender and scsp.node.profile_sender and module
    for sender, partner, limit in ((emsp, "cpo@emsp", 10.0), (scsp, "cpo@scsp", 16.0)):
        assert sender.node.profile_sender is not None
        request = await sender.node.profile_sender.set_profile(ids[partner], "S2", amps((0, limit)))
        done = await sender.node.profile_sender.wait(request.id, timeout=10)
        assert done.result == {"result": "ACCEPTED"}
        await module.applier.drain()
    steerable = await module.sessions.find("S2")
    assert steerable is not None
    (now_limiter,) = await module.active.limiters(steerable)
    assert now_limiter[1] == ids["emsp"]  # 10 A < 16 A: the eMSP limits

    began = datetime.now(UTC).replace(microsecond=0)  # the CPO's profiles start on a second
    profile = amps((0, 6.0), (600, 32.0), start_date_time=format_datetime(began))
    lowered = await scsp.node.profile_sender.set_profile(ids["cpo@scsp"], "S2", profile)
    await scsp.node.profile_sender.wait(lowered.id, timeout=10)
    await module.applier.drain()
    ahead = await module.active.limiters(steerable)
    assert [who for _, who in ahead] == [ids["scsp"], ids["emsp"]]  # 6 A for 10 min, then the eMSP's 10 A
    assert ahead[1][0] == began + timedelta(seconds=600)  # the profile's own step, however late we look
    history = await module.active.limited_by("S2")
    assert [who for _, who in history] == [ids["emsp"], ids["scsp"], ids["emsp"]]

    async with httpx.AsyncClient() as http:
        page = await http.get(cpo.url + "/dashboard/sessions/NL/CPO/S2")
    emsp_name = (await cpo.node.partners.find(ids["emsp"])).name  # type: ignore[union-attr]
    assert page.status_code == 200 and "Who limits this session" in page.text
    assert f"Profile of {emsp_name}" in page.text


async def test_a_session_without_sender_profiles_is_limited_by_its_evse(node_factory: NodeFactory) -> None:
    cpo, _, _, _ = await three(node_factory)
    module = cpo.node.cpo_profiles
    assert module is not None
    steerable = await module.sessions.find("S2")
    assert steerable is not None
    assert [who for _, who in await module.active.limiters(steerable)] == [EVSE_MAXIMUM]


def test_contract_governing_needs_a_contract() -> None:
    settings = {"public_url": "http://127.0.0.1:1", "roles": [role("CPO")]}
    with pytest.raises(ValidationError, match="no contract covers it"):
        NodeConfig.model_validate(settings | {"steering": [{"location": "LOC9", "governing": "contract"}]})
    with pytest.raises(ValidationError, match="governing"):
        NodeConfig.model_validate(settings | {"steering": [{"location": "LOC9", "governing": "anyone"}]})


async def test_a_sender_holding_a_car_at_0_is_named_not_the_site(node_factory: NodeFactory) -> None:
    """The site's share is capped by the senders' profiles: at a sender's 0 A the share is 0 A too, and the
    one that decided is the sender (the site had room)."""
    cpo = await node_factory(
        role("CPO", party="CPO"), name="cpo", sites=[SiteConfig(location="LOC2", capacity_kw=22)]
    )
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    cpo_at_emsp, emsp_at_cpo = await connect(emsp, cpo)
    await seed(cpo, [location("LOC2", evses=1)], [session("S2", "LOC2-E1", location_id="LOC2")])
    module = cpo.node.cpo_profiles
    assert emsp.node.profile_sender and module and module.sites
    request = await emsp.node.profile_sender.set_profile(cpo_at_emsp.id, "S2", amps((0, 0.0)))
    done = await emsp.node.profile_sender.wait(request.id, timeout=10)
    assert done.result == {"result": "ACCEPTED"}
    await module.applier.drain()
    await module.sites.drain()
    steerable = await module.sessions.find("S2")
    assert steerable is not None
    assert [who for _, who in await module.active.limiters(steerable)] == [emsp_at_cpo.id]
