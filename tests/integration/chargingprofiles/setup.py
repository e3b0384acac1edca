"""Shared set-up for the ChargingProfiles end-to-end tests: nodes, a location, sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.ocpi.chargingprofiles.models import ChargingProfile
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import CdrToken, Session
from fera.ocpi.types import format_datetime
from tests.nodes import RunningNode


def _now() -> datetime:
    # At each call, not at import: a whole suite on a loaded machine runs a test long after collecting it.
    return datetime.now(UTC).replace(microsecond=0)


def location(location_id: str = "LOC1", *, capable: bool = True, evses: int = 3) -> Location:
    capabilities = ["CHARGING_PROFILE_CAPABLE", "CHARGING_PREFERENCES_CAPABLE"] if capable else []
    now = format_datetime(_now())
    return Location.model_validate(
        {
            "country_code": "NL",
            "party_id": "CPO",
            "id": location_id,
            "publish": True,
            "address": "Stationsplein 1",
            "city": "Utrecht",
            "country": "NLD",
            "coordinates": {"latitude": "52.08940", "longitude": "5.11070"},
            "time_zone": "Europe/Amsterdam",
            "last_updated": now,
            "evses": [
                {
                    "uid": f"{location_id}-E{i}",
                    "status": "CHARGING",
                    "capabilities": capabilities,
                    "last_updated": now,
                    "connectors": [
                        {
                            "id": "1",
                            "standard": "IEC_62196_T2",
                            "format": "SOCKET",
                            "power_type": "AC_3_PHASE",
                            "max_voltage": 230,
                            "max_amperage": 32,
                            "last_updated": now,
                        }
                    ],
                }
                for i in range(1, evses + 1)
            ],
        }
    )


def session(session_id: str, evse_uid: str, token_party: str = "MSP", location_id: str = "LOC1") -> Session:
    """A session that began 10 minutes ago."""
    now = _now()
    return Session.model_validate(
        {
            "country_code": "NL",
            "party_id": "CPO",
            "id": session_id,
            "start_date_time": format_datetime(now - timedelta(minutes=10)),
            "kwh": 1.5,
            "cdr_token": {
                "country_code": "NL",
                "party_id": token_party,
                "uid": f"TOK-{session_id}",
                "type": "RFID",
                "contract_id": f"NL-{token_party}-C{session_id}",
            },
            "auth_method": "WHITELIST",
            "location_id": location_id,
            "evse_uid": evse_uid,
            "connector_id": "1",
            "currency": "EUR",
            "status": "ACTIVE",
            "last_updated": format_datetime(now),
        }
    )


async def seed(cpo: RunningNode, locations: list[Location], sessions: list[Session]) -> None:
    async with cpo.node.database.unit_of_work() as uow:
        for loc in locations:
            await uow.locations.put(loc, None)
        for s in sessions:
            await uow.sessions.put(s, None)


def amps(*periods: tuple[int, float], **extra: Any) -> ChargingProfile:
    return ChargingProfile.model_validate(
        {
            "charging_rate_unit": "A",
            "charging_profile_period": [{"start_period": s, "limit": v} for s, v in periods],
        }
        | extra
    )


async def forwarded_session(cpo: RunningNode, emsp: RunningNode, cpo_at_emsp: str) -> str:
    """The CPO starts session S1 of the eMSP's token TOK1 at LOC1-E1 (LOC1 put first): the id under which
    the eMSP forwards it to the SCSP it delegates to."""
    await cpo_of(cpo.node).locations.put_location(location())
    token = CdrToken(country_code="NL", party_id="MSP", uid="TOK1", type="RFID", contract_id="NL-MSP-C1")
    await cpo_of(cpo.node).sessions.start_session(
        token=token, location_id="LOC1", evse_uid="LOC1-E1", connector_id="1", session_id="S1"
    )
    await exchange_of(cpo.node).pusher.drain()
    await exchange_of(emsp.node).pusher.drain()
    async with emsp.node.database.unit_of_work() as uow:
        (forwarded,) = await uow.forwards.by_source(cpo_at_emsp, "NL", "CPO", "S1")
    return forwarded.id
