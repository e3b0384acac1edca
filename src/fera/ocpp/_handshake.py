"""Who may connect: the station id from the URL path, checked against the configured stations.

OCPP security profile 1: HTTP Basic auth with the station id as user name. A station configured without a
password is admitted by its id alone (an allow-list, for test benches and private networks).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from websockets.exceptions import InvalidHeader
from websockets.headers import parse_authorization_basic

__all__ = ["PATH_PREFIX", "admits", "station_id_from_path"]

PATH_PREFIX = "/ocpp/"


def station_id_from_path(path: str) -> str | None:
    """`/ocpp/{station_id}` -> station_id (URL-decoded); None for any other path."""
    route = urlsplit(path).path
    if not route.startswith(PATH_PREFIX):
        return None
    station_id = unquote(route[len(PATH_PREFIX) :])
    return station_id if station_id and "/" not in station_id else None


def admits(stations: Mapping[str, str | None], station_id: str, authorization: str | None) -> bool:
    """Whether this station may connect with this Authorization header (None when absent)."""
    if station_id not in stations:
        return False
    password = stations[station_id]
    if password is None:
        return True
    if authorization is None:
        return False
    try:
        user, given = parse_authorization_basic(authorization)
    except InvalidHeader:
        return False
    return user == station_id and hmac.compare_digest(given.encode(), password.encode())
