"""What may be sent through a hub, from its ClientInfo and its health (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.ocpi.auth import Party
from fera.ocpi.hubclientinfo import ClientInfo, ConnectionStatus
from fera.ocpi.types import Role
from fera.partners import Partner
from fera.partners.reach import HubReach, hub_down

T = datetime(2030, 1, 1, tzinfo=UTC)


def info(party: str, role: Role, status: ConnectionStatus) -> ClientInfo:
    return ClientInfo(party_id=party, country_code="NL", role=role, status=status, last_updated=T)


REACH = HubReach(
    {
        "hub": (
            info("EMA", Role.EMSP, ConnectionStatus.CONNECTED),
            info("EMB", Role.EMSP, ConnectionStatus.OFFLINE),
            info("EMC", Role.EMSP, ConnectionStatus.PLANNED),
            info("EMD", Role.EMSP, ConnectionStatus.SUSPENDED),
            info("CPA", Role.CPO, ConnectionStatus.PLANNED),
        ),
        "quiet": (),
    },
    frozenset({"down"}),
)


def test_only_connected_parties_are_behind() -> None:
    assert REACH.behind("hub") == (Party("NL", "EMA", Role.EMSP),)
    assert REACH.behind("hub", [Party("nl", "ema", Role.EMSP)]) == ()  # reached directly: one copy
    assert REACH.behind("down") == ()


def test_a_broadcast_needs_a_connected_receiver_when_the_hub_lists_any() -> None:
    assert REACH.broadcasts_to("hub", [Role.EMSP])
    assert not REACH.broadcasts_to("hub", [Role.CPO])  # its only CPO is PLANNED
    assert REACH.broadcasts_to("quiet", [Role.CPO])  # told us nothing: the hub knows its parties
    assert not REACH.broadcasts_to("down", [Role.CPO])


def test_a_request_to_a_party_not_connected_is_not_sent() -> None:
    for party, status in (("EMB", "OFFLINE"), ("EMC", "PLANNED"), ("EMD", "SUSPENDED")):
        refusal = REACH.refusal("hub", Party("nl", party.lower(), Role.EMSP))
        assert refusal is not None and status in refusal
    assert REACH.refusal("hub", Party("NL", "EMA", Role.EMSP)) is None
    assert REACH.refusal("hub", Party("NL", "ZZZ", Role.CPO)) is None  # unannounced: the hub answers for it
    assert REACH.refusal("down", None) is not None


def test_a_hub_is_down_while_its_last_call_failed() -> None:
    partner = Partner("p", "hub", T)
    assert not hub_down(partner)
    partner.last_contact_at, partner.last_error_at = T, T + timedelta(seconds=1)
    assert hub_down(partner)
    partner.last_contact_at = T + timedelta(seconds=2)
    assert not hub_down(partner)
