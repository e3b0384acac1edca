"""Steering end to end over real nodes: one charge reaching the SCSP by two paths, and no car starved on a
guess (needs nobody stated, a site with a tight limit, an LP full of ties)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from fera.config import ContractConfig, DelegationConfig
from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.ocpi.chargingprofiles.models import ActiveChargingProfile
from fera.ocpi.sessions.models import CdrToken
from fera.ocpi.types import format_datetime
from fera.scsp.planning_inputs import Known
from fera.scsp.planning_loop import SteeringPlanner
from fera.smartcharging.events import ActiveProfileReceived
from tests.integration.chargingprofiles.setup import amps, location, session
from tests.integration.planning.test_scsp_loop import ADMIN, capacity
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(90)


def token(i: int) -> CdrToken:
    return CdrToken(country_code="NL", party_id="MSP", uid=f"T{i}", type="RFID", contract_id=f"NL-MSP-{i}")


async def start(cpo: RunningNode, count: int, *others: RunningNode) -> None:
    for i in range(1, count + 1):
        await cpo_of(cpo.node).sessions.start_session(
            token=token(i), location_id="LOC1", evse_uid=f"LOC1-E{i}", connector_id="1", session_id=f"S{i}"
        )
    for node in (cpo, *others):
        await exchange_of(node.node).pusher.drain()


async def held(cpo: RunningNode, session_id: str) -> list[str]:
    """The partners whose profile the CPO holds on the session."""
    async with cpo.node.database.unit_of_work() as uow:
        rows = await uow.sender_profiles.for_session(session_id)
    return sorted(p.partner_id for p in rows if p.profile is not None)


async def test_a_charge_reaching_the_scsp_by_two_paths_is_planned_and_steered_once(
    node_factory: NodeFactory,
) -> None:
    contract = ContractConfig(scsp="NL*SCS", locations=["LOC1"])
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", contracts=[contract])
    emsp = await node_factory(
        role("EMSP", party="MSP"), name="emsp", delegations=[DelegationConfig(scsp="NL*SCS")]
    )
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", admin_token=ADMIN)
    await connect(emsp, cpo)
    emsp_at_scsp, _ = await connect(scsp, emsp)
    cpo_at_scsp, scsp_at_cpo = await connect(scsp, cpo)
    await cpo_of(cpo.node).locations.put_location(location(evses=3))
    await start(cpo, 1, emsp)
    planner, module = scsp.node.planner, cpo.node.cpo_profiles
    assert planner is not None and module is not None
    await planner.settle()
    await module.applier.drain()

    by_partner = {k[0]: k for k in planner.known}
    assert sorted(by_partner) == sorted([cpo_at_scsp.id, emsp_at_scsp.id])  # the same car, twice
    steered, copy = by_partner[cpo_at_scsp.id], by_partner[emsp_at_scsp.id]
    assert steered == (cpo_at_scsp.id, "S1") and copy[1] != "S1"
    assert planner.shadowed == {copy: steered}  # the CPO's own path steers
    assert planner.latest is not None and planner.latest.plan.session_ids == (f"{cpo_at_scsp.id}/S1",)
    assert await held(cpo, "S1") == [scsp_at_cpo.id]  # one profile at the CPO, over the contract
    assert set(planner.sent) == {steered}
    async with httpx.AsyncClient() as http:  # the copy's chart on the SCSP's dashboard says so
        chart = await http.get(f"{scsp.url}/dashboard/api/sessions/NL/MSP/{copy[1]}/chart")
    cpo_name = cpo_at_scsp.name
    assert any(f"from {cpo_name} as session S1" in note for note in chart.json()["notes"])


async def test_guessed_needs_under_a_tight_limit_all_get_power(node_factory: NodeFactory) -> None:
    """Four cars, nobody stated a need, 22 kW for 4 x 22 kW of chargers: every car charges."""
    contract = ContractConfig(scsp="NL*SCS", locations=["LOC1"])
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", contracts=[contract])
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", admin_token=ADMIN)
    await connect(scsp, cpo)
    await cpo_of(cpo.node).locations.put_location(location(evses=4))
    await capacity(scsp, 22)
    await start(cpo, 4)
    planner, module = scsp.node.planner, cpo.node.cpo_profiles
    assert planner is not None and module is not None
    planner.poke()
    await planner.settle()
    await module.applier.drain()

    latest = planner.latest
    assert latest is not None and len(latest.plan.session_ids) == 4
    first = [float(latest.plan.schedule(sid)[0]) for sid in latest.plan.session_ids]
    assert all(w == pytest.approx(5_500, abs=1) for w in first)  # a fair share each, not 22 kW for one
    amps = []
    for i in range(1, 5):
        (tx,) = list(module.stations.in_process.stack(f"LOC1-E{i}"))
        amps.append(tx.periods[0].limit)
    assert min(amps) >= 6.0 and sum(amps) * 230 * 3 <= 22_000  # all charge (6 A at least), within the site


async def test_a_profile_sent_over_the_delegation_is_cleared_once_the_contract_copy_arrives(
    node_factory: NodeFactory,
) -> None:
    contract = ContractConfig(scsp="NL*SCS", locations=["LOC1"])
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", contracts=[contract])
    emsp = await node_factory(
        role("EMSP", party="MSP"), name="emsp", delegations=[DelegationConfig(scsp="NL*SCS")]
    )
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", admin_token=ADMIN)
    _, emsp_at_cpo = await connect(emsp, cpo)
    await connect(scsp, emsp)
    await cpo_of(cpo.node).locations.put_location(location(evses=3))
    await start(cpo, 1, emsp)
    planner, module = scsp.node.planner, cpo.node.cpo_profiles
    assert planner is not None and module is not None
    await planner.settle()
    await module.applier.drain()
    assert await held(cpo, "S1") == [emsp_at_cpo.id]  # only path known yet: through the eMSP

    _, scsp_at_cpo = await connect(scsp, cpo)  # the contract's copy arrives with the registration
    await exchange_of(cpo.node).pusher.drain()
    planner.poke()
    await planner.settle()
    await module.applier.drain()
    assert await held(cpo, "S1") == [scsp_at_cpo.id]  # steered once, over the contract
    assert len(planner.shadowed) == 1 and set(planner.sent) == set(planner.shadowed.values())


async def test_a_car_that_stops_drawing_under_a_high_limit_is_taken_as_full(
    node_factory: NodeFactory,
) -> None:
    contract = ContractConfig(scsp="NL*SCS", locations=["LOC1"])
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", contracts=[contract])
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", planning_step_s=60)
    cpo_at_scsp, _ = await connect(scsp, cpo)
    await cpo_of(cpo.node).locations.put_location(location(evses=1))
    now = cpo.node.clock.now()
    sessions = cpo_of(cpo.node).sessions
    await sessions.start_session(
        token=token(1), location_id="LOC1", evse_uid="LOC1-E1", connector_id="1", session_id="S1",
        at=now - timedelta(minutes=5),
    )  # fmt: skip
    await exchange_of(cpo.node).pusher.drain()
    planner, module = scsp.node.planner, cpo.node.cpo_profiles
    assert planner is not None and module is not None
    await planner.settle()
    await module.applier.drain()
    key = (cpo_at_scsp.id, "S1")
    assert key in planner.active  # the CPO told us the limit it applies: 32 A
    (tx,) = list(module.stations.in_process.stack("LOC1-E1"))
    assert tx.periods[0].limit == 32.0

    # Readings stamped after the active profile's start (so the test needs no wait): no energy in a minute.
    # From its start, not from `now`: on a loaded machine the profile's round trip took over 5 s.
    since = planner.active[key].start_date_time
    for seconds in (5, 40, 65):
        await sessions.meter_values("S1", kwh=0.0, at=since + timedelta(seconds=seconds))
    await exchange_of(cpo.node).pusher.drain()
    planner.poke()
    await planner.settle()
    await module.applier.drain()
    assert planner.draws.learnt[key].full_since is not None
    (tx,) = list(module.stations.in_process.stack("LOC1-E1"))
    assert tx.periods[0].limit == 0.0  # full: its share goes to others (tried again after FULL_RETRY)


async def test_an_active_profile_still_showing_our_previous_profile_is_no_hold(
    node_factory: NodeFactory,
) -> None:
    """Raised from 0 to 16 A, the CPO first pushes 0 A (its site lowers the others before raising this one):
    catching up, not a hold that would cost the car its turn. A push at another level is a hold."""
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", plan_sessions=False)
    sender = scsp.node.profile_sender
    assert sender is not None
    events, signals, clock = scsp.node.events, scsp.node.signals, scsp.node.clock
    planner = SteeringPlanner(sender, events, signals, clock, lambda *_: True)  # not started: listeners only
    key = ("cpo", "S1")
    planner.known[key] = Known(key, session("S1", "LOC1-E1"), location(), None)
    start = format_datetime(scsp.node.clock.now().replace(microsecond=0))
    planner.sent_before[key] = amps((0, 0.0), start_date_time=start, duration=3600)
    planner.sent[key] = amps((0, 16.0), start_date_time=start, duration=3600)

    async def push(limit: float) -> None:
        profile = amps((0, limit), duration=3600)
        active = ActiveChargingProfile.model_validate({"start_date_time": start, "charging_profile": profile})
        await scsp.node.events.publish(ActiveProfileReceived("cpo", "S1", active))

    await push(0.0)
    assert planner.holds.level(key) is None
    await push(8.0)
    assert planner.holds.level(key) == pytest.approx(8 * 230 * 3)


async def test_a_hold_ends_when_the_cpo_lets_the_car_go(node_factory: NodeFactory) -> None:
    """The CPO held the car at 8 A below our 16 A (its site share while a new arrival had no profile yet);
    its next push shows our 16 A again: the hold is over at once, not a step later."""
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", plan_sessions=False)
    sender = scsp.node.profile_sender
    assert sender is not None
    events, signals, clock = scsp.node.events, scsp.node.signals, scsp.node.clock
    planner = SteeringPlanner(sender, events, signals, clock, lambda *_: True)  # not started: listeners only
    key = ("cpo", "S1")
    planner.known[key] = Known(key, session("S1", "LOC1-E1"), location(), None)
    start = format_datetime(scsp.node.clock.now().replace(microsecond=0))
    planner.sent[key] = amps((0, 16.0), start_date_time=start, duration=3600)

    async def push(limit: float) -> None:
        profile = amps((0, limit), duration=3600)
        active = ActiveChargingProfile.model_validate({"start_date_time": start, "charging_profile": profile})
        await scsp.node.events.publish(ActiveProfileReceived("cpo", "S1", active))

    await push(8.0)
    assert planner.holds.level(key) == pytest.approx(8 * 230 * 3)
    await push(16.0)
    assert planner.holds.level(key) is None
