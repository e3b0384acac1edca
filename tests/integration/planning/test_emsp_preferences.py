"""An eMSP that steers its own customers plans with what its drivers stated through it (the eMSP's driver
route, `PUT /fera/admin/drivers/{token_uid}/charging_preferences`), over real nodes: a car whose driver
leaves soon with a need is planned higher than a car whose stay is only guessed."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from fera.cpo import cpo_of
from fera.ocpi.chargingprofiles.models import ChargingProfile
from fera.ocpi.types import format_datetime
from tests.integration.chargingprofiles.setup import location
from tests.integration.planning.test_scsp_loop import ADMIN, AUTH, capacity
from tests.integration.planning.test_scsp_steering import start
from tests.nodes import NodeFactory, connect, role

pytestmark = pytest.mark.timeout(90)


def first_limit(profile: ChargingProfile | None) -> float:
    assert profile is not None and profile.charging_profile_period
    return profile.charging_profile_period[0].limit


async def test_the_emsp_plans_its_own_customer_with_the_departure_and_need_its_driver_stated(
    node_factory: NodeFactory,
) -> None:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    emsp = await node_factory(
        role("EMSP", party="MSP"), name="emsp", steer_own_customers=True, admin_token=ADMIN
    )
    cpo_at_emsp, _ = await connect(emsp, cpo)
    await cpo_of(cpo.node).locations.put_location(location(evses=2))
    await capacity(emsp, 11)  # the grid allows 11 kW at LOC1: two 22 kW chargers share it
    await start(cpo, 2, emsp)
    planner = emsp.node.planner
    assert planner is not None
    planner.poke()
    await planner.settle()
    guessed = [(cpo_at_emsp.id, "S1"), (cpo_at_emsp.id, "S2")]
    assert first_limit(planner.sent[guessed[0]]) == first_limit(planner.sent[guessed[1]])  # nobody said

    # T2's driver leaves in an hour and needs 10 kWh: the eMSP sends it to the CPO and plans with it.
    departure = emsp.node.clock.now().replace(microsecond=0) + timedelta(hours=1)
    body = {"profile_type": "REGULAR", "departure_time": format_datetime(departure), "energy_need": 10.0}
    async with httpx.AsyncClient() as http:
        reply = await http.put(
            f"{emsp.url}/fera/admin/drivers/T2/charging_preferences", json=body, headers=AUTH
        )
    assert reply.json()["data"] == "ACCEPTED"  # the CPO's answer
    await planner.settle()
    stated = planner.known[guessed[1]].preferences
    assert stated is not None and stated.departure_time == departure and stated.energy_need == 10.0
    # Its 10 kWh within the hour take the site's 11 kW now (a stated need wins over a guess: GUESS_WEIGHT).
    assert first_limit(planner.sent[guessed[1]]) > first_limit(planner.sent[guessed[0]])
    async with emsp.node.database.unit_of_work() as uow:  # kept with the session for the next start
        kept = await uow.sessions.get("NL", "CPO", "S2")
    assert kept is not None and kept.preferences == stated
