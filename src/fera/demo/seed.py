"""What the operators enter before the day starts: the CPO's locations, the eMSP's tokens.

Written through each node's own domain API into its database; registration later shares them (the pull
sync on (re)registration), exactly as with partners that join later.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fera.config import NodeConfig
from fera.cpo import cpo_of
from fera.demo.scenario import SITES, Scenario
from fera.emsp import emsp_of
from fera.node import create_node
from fera.ocpi.locations.models import Location
from fera.ocpi.tokens.models import Token
from fera.ocpi.types import format_datetime

__all__ = ["locations", "seed", "tokens"]

_COORDINATES = {"LOC-A": ("52.08940", "5.11070"), "LOC-B": ("52.08590", "5.17120")}


def locations(scenario: Scenario) -> list[Location]:
    now = format_datetime(datetime.now(UTC))
    out = []
    for site in SITES:
        evses: list[dict[str, Any]] = []
        for spec, at in scenario.station_specs():
            if at is not site:
                continue
            power = spec.electrical.power_type
            for c in range(1, spec.connectors + 1):
                evses.append(
                    {
                        "uid": scenario.evse_uid(spec, c),
                        "evse_id": f"NL*FCP*E{spec.station_id}{c}",
                        "status": "AVAILABLE",
                        "last_updated": now,
                        "capabilities": [
                            "CHARGING_PROFILE_CAPABLE",
                            "CHARGING_PREFERENCES_CAPABLE",
                            "RFID_READER",
                        ],
                        "connectors": [
                            {
                                "id": "1",
                                "standard": "IEC_62196_T2_COMBO" if power == "DC" else "IEC_62196_T2",
                                "format": "CABLE" if power == "DC" else "SOCKET",
                                "power_type": power,
                                "max_voltage": spec.electrical.max_voltage,
                                "max_amperage": spec.electrical.max_amperage,
                                "max_electric_power": spec.electrical.max_electric_power,
                                "last_updated": now,
                            }
                        ],
                    }
                )
        lat, lon = _COORDINATES[site.location_id]
        out.append(
            Location.model_validate(
                {
                    "country_code": "NL",
                    "party_id": "FCP",
                    "id": site.location_id,
                    "publish": True,
                    "name": site.name,
                    "address": "Demo 1",
                    "city": "Utrecht",
                    "country": "NLD",
                    "time_zone": "Europe/Amsterdam",
                    "coordinates": {"latitude": lat, "longitude": lon},
                    "evses": evses,
                    "last_updated": now,
                }
            )
        )
    return out


def tokens(scenario: Scenario) -> list[Token]:
    now = format_datetime(datetime.now(UTC))
    return [
        Token.model_validate(
            {
                "country_code": "NL",
                "party_id": "FMS",
                "uid": uid,
                "type": "RFID",
                "contract_id": f"NL-FMS-C{uid[3:]}",
                "issuer": "FERA Demo eMSP",
                "valid": True,
                "whitelist": "ALLOWED",
                "last_updated": now,
            }
        )
        for uid in scenario.token_uids()
    ]


async def seed(configs: dict[str, NodeConfig], scenario: Scenario) -> None:
    cpo = create_node(configs["cpo"])
    await cpo.database.migrate()  # not `start`: no gateway, no hooks, just the store
    try:
        for location in locations(scenario):
            await cpo_of(cpo).locations.put_location(location)
    finally:
        await cpo.database.close()
        await cpo.http.aclose()
    emsp = create_node(configs["emsp"])
    await emsp.database.migrate()
    try:
        for token in tokens(scenario):
            await emsp_of(emsp).tokens.put_token(token)
    finally:
        await emsp.database.close()
        await emsp.http.aclose()
