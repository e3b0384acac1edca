"""A started node's heap is frozen out of the garbage collector's passes, and given back when it stops."""

from __future__ import annotations

import gc

from tests.nodes import NodeFactory, role


async def test_a_started_node_is_frozen_out_of_collections_until_it_stops(node_factory: NodeFactory) -> None:
    gc.unfreeze()  # whatever an earlier test left
    cpo = await node_factory(role("CPO"), name="cpo")
    frozen = gc.get_freeze_count()
    # Everything start-up built is there: the app, its routes, the store's tables.
    assert frozen > 10_000
    assert not any(gc.is_tracked(o) and o is cpo.node.app for o in gc.get_objects(generation=2))

    await cpo.server.stop()
    node_factory.running.remove(cpo)

    assert gc.get_freeze_count() == 0


async def test_a_node_stopping_leaves_the_others_in_its_process_frozen(node_factory: NodeFactory) -> None:
    gc.unfreeze()
    cpo = await node_factory(role("CPO"), name="cpo")
    emsp = await node_factory(role("EMSP"), name="emsp")

    await cpo.server.stop()
    node_factory.running.remove(cpo)

    # The eMSP still runs: its heap stays out of the collections (the stopped CPO's may be freed).
    assert gc.get_freeze_count() > 10_000
    assert not any(o is emsp.node.app for o in gc.get_objects(generation=2))
    await emsp.server.stop()
    node_factory.running.remove(emsp)
    assert gc.get_freeze_count() == 0
