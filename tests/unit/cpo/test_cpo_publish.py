"""`published_to`: which tokens' holders may see a location with `publish` false."""

from __future__ import annotations

from typing import Any

import pytest

from fera.cpo.visibility import published_to
from fera.ocpi.locations.models import Location
from fera.ocpi.tokens.models import Token
from tests.integration.authz_world import emsp_token
from tests.integration.test_sessions_support import location_json


def unpublished(*allowed: dict[str, Any]) -> Location:
    return Location.model_validate(
        location_json("LOC1") | {"publish": False, "publish_allowed_to": list(allowed)}
    )


def tok(**fields: Any) -> Token:
    return emsp_token("T1").model_copy(update=fields)


def test_published_location_is_for_everyone() -> None:
    assert published_to(Location.model_validate(location_json("LOC1")), [])


@pytest.mark.parametrize(
    ("entry", "token", "seen"),
    [
        ({"uid": "t1", "type": "RFID"}, tok(), True),  # CiString uid: case-insensitive
        ({"uid": "T1", "type": "APP_USER"}, tok(), False),
        ({"uid": "T2"}, tok(), False),
        ({"visual_number": "0001", "issuer": "Test eMSP"}, tok(visual_number="0001"), True),
        ({"visual_number": "0001", "issuer": "Other"}, tok(visual_number="0001"), False),
        ({"group_id": "fleet-a"}, tok(group_id="FLEET-A"), True),
        ({"group_id": "FLEET-A"}, tok(), False),
        ({"issuer": "Test eMSP"}, tok(), False),  # names no token: needs uid, visual_number or group_id
    ],
)
def test_publish_allowed_to(entry: dict[str, Any], token: Token, seen: bool) -> None:
    assert published_to(unpublished(entry), [token]) is seen


def test_unpublished_without_a_list_is_for_no_one() -> None:
    assert not published_to(unpublished(), [tok()])
