"""A partner unregistered and then registered again (a new partner id, the same party) pushes its objects
again: what the forgotten partner sent is taken over, not refused as somebody else's."""

from __future__ import annotations

import pytest

from fera.cpo import cpo_of
from tests.integration.chargingprofiles.setup import location
from tests.integration.test_sessions_support import settle
from tests.nodes import NodeFactory, connect, role

pytestmark = pytest.mark.timeout(120)


async def test_a_party_registered_again_takes_over_what_it_sent(node_factory: NodeFactory) -> None:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp")
    first, at_cpo = await connect(emsp, cpo)
    await cpo_of(cpo.node).locations.put_location(location("LOC1"))
    await settle(cpo, emsp)
    async with emsp.node.database.unit_of_work() as uow:
        stored = await uow.locations.get("NL", "CPO", "LOC1")
    assert stored is not None and stored.partner_id == first.id

    await cpo.node.partners.unregister_from(at_cpo.id)  # both sides forget each other
    assert await emsp.node.partners.find(first.id) is None
    again, _ = await connect(emsp, cpo)
    renamed = location("LOC1").model_copy(update={"name": "Renamed after the new registration"})
    await cpo_of(cpo.node).locations.put_location(renamed)
    await settle(cpo, emsp)

    async with emsp.node.database.unit_of_work() as uow:
        stored = await uow.locations.get("NL", "CPO", "LOC1")
    assert stored is not None and stored.partner_id == again.id != first.id
    assert stored.location.name == "Renamed after the new registration"
