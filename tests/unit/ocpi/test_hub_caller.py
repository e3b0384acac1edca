"""`Caller` behind a hub: whom a hub acts for (`owns`) and whose view its requests get (`acting_for`)."""

from __future__ import annotations

from dataclasses import replace

from fera.ocpi.auth import Caller, Party, TokenKind
from fera.ocpi.types import Role

HUB = Party("DE", "HUB", Role.HUB)
CPA = Party("NL", "CPA", Role.CPO)
EMS = Party("NL", "EMS", Role.EMSP)
hub = Caller("hub-id", TokenKind.CALLER, (HUB,), behind=(CPA, EMS))
cpo = Caller("cpo-id", TokenKind.CALLER, (CPA,), behind=(EMS,))  # not a hub: `behind` means nothing


def test_a_hub_owns_the_parties_behind_it_and_the_one_it_routes_for() -> None:
    assert hub.owns("nl", "cpa") and hub.owns("DE", "HUB")
    assert not hub.owns("NL", "XYZ")
    routed = replace(hub, from_party=Party("NL", "XYZ", Role.OTHER))
    assert routed.owns("NL", "xyz")


def test_only_a_hub_acts_for_others() -> None:
    assert not cpo.owns("NL", "EMS")
    assert not replace(cpo, from_party=EMS).owns("NL", "EMS")
    assert cpo.acting_for() == (CPA,)


def test_a_hubs_view_is_the_routed_partys_or_all_behind_it() -> None:
    assert hub.acting_for() == (HUB, CPA, EMS)
    assert replace(hub, from_party=EMS).acting_for() == (EMS,)
    assert replace(hub, from_party=HUB).acting_for() == (HUB, CPA, EMS)  # on its own account
