"""HubClientInfo wire models: the public names, exact wire output, and the spec's constraints."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import fera.ocpi.hubclientinfo
from fera.ocpi.hubclientinfo import ClientInfo, ConnectionStatus

WIRE = {
    "party_id": "cpa",  # a CiString: kept as sent
    "country_code": "NL",
    "role": "CPO",
    "status": "SUSPENDED",
    "last_updated": "2030-01-01T07:00:00Z",
}


def test_public_names() -> None:
    assert sorted(fera.ocpi.hubclientinfo.__all__) == [
        "ClientInfo",
        "ConnectionStatus",
        "HubClientInfoReceiver",
        "HubClientInfoSenderClient",
        "hubclientinfo_receiver_router",
    ]


def test_round_trip_is_exact() -> None:
    info = ClientInfo.model_validate(WIRE)
    assert info.status is ConnectionStatus.SUSPENDED
    assert info.to_wire() == WIRE


@pytest.mark.parametrize(
    "change", [{"party_id": "TOOLONG"}, {"role": "DRIVER"}, {"status": "GONE"}, {"last_updated": None}]
)
def test_invalid_client_info_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ClientInfo.model_validate(WIRE | change)
