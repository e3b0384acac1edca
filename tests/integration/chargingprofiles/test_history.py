"""The CPO keeps every profile each Sender set or cleared on a session, and its dashboard shows them all."""

from __future__ import annotations

import httpx
import pytest

from fera.cpo.chargingprofiles.stations import StationBehaviour
from tests.integration.chargingprofiles.setup import amps
from tests.integration.chargingprofiles.test_emsp_to_cpo import pair
from tests.nodes import NodeFactory

pytestmark = pytest.mark.timeout(90)


async def test_every_set_and_clear_is_kept_and_shown(node_factory: NodeFactory) -> None:
    cpo, emsp, cpo_id = await pair(node_factory)
    sender, module = emsp.node.profile_sender, cpo.node.cpo_profiles
    assert sender is not None and module is not None

    async def done(kind: str, *profile: tuple[int, float]) -> str:
        if kind == "set":
            request = await sender.set_profile(cpo_id, "S1", amps(*profile))
        else:
            request = await sender.clear_profile(cpo_id, "S1")
        result = (await sender.wait(request.id, timeout=20)).result
        assert result is not None
        await module.applier.drain()
        return str(result["result"])

    assert await done("set", (0, 16.0), (1800, 8.0)) == "ACCEPTED"
    assert await done("set", (0, 10.0)) == "ACCEPTED"
    module.stations.in_process.behaviour["LOC1-E1"] = StationBehaviour.REJECT
    assert await done("set", (0, 6.0)) == "REJECTED"  # never in force: not history
    module.stations.in_process.behaviour["LOC1-E1"] = StationBehaviour.ACCEPT
    assert await done("clear") == "ACCEPTED"
    assert await done("clear") == "UNKNOWN"  # nothing left to clear: not history

    async with cpo.node.database.unit_of_work() as uow:
        changes = await uow.sender_profiles.changes("S1")
    assert [c.profile for c in changes] == [
        amps((0, 16.0), (1800, 8.0)).to_wire(),
        amps((0, 10.0)).to_wire(),
        None,
    ]
    (emsp_at_cpo,) = await cpo.node.partners.list()
    assert {c.partner_id for c in changes} == {emsp_at_cpo.id}
    assert changes[0].at <= changes[1].at <= changes[2].at

    async with httpx.AsyncClient(base_url=cpo.url, timeout=30) as client:
        page = (await client.get("/dashboard/sessions/NL/CPO/S1")).text
        chart = (await client.get("/dashboard/api/sessions/NL/CPO/S1/chart")).json()
    history = page.split('id="history"')[1].split("</section>")[0]
    assert history.count(">set<") == 2 and history.count(">cleared<") == 1
    assert "16 A from +0 s, 8 A from +1800 s" in history and "10 A from +0 s" in history
    assert ">6 A" not in history and history.count(emsp_at_cpo.name) == 3
    assert history.index("10 A") < history.index("16 A")  # newest first
    (profile_trace,) = [t for t in chart["traces"] if t["kind"] == "sender"]
    assert profile_trace["y"][0] == 11.04  # 16 A on 3 phases at 230 V, from the first set
    assert 6.9 in profile_trace["y"]  # 10 A once replaced
    assert profile_trace["y"][-1] is None  # cleared: no limit of this Sender any more
