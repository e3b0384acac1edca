"""The grid operator's and the market's signals of the demo day, put through each node's admin API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from fera.config import NodeConfig
from fera.demo.scenario import ADMIN_TOKEN, SITES, Scenario
from fera.ocpi.types import format_datetime

__all__ = ["admin", "cut_signals", "price_signals", "signals_at_start"]

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def admin(http: httpx.AsyncClient, config: NodeConfig, method: str, path: str, **kw: Any) -> Any:
    response = await http.request(method, config.public_url + "/fera/admin" + path, headers=AUTH, **kw)
    body = response.json()
    if body.get("status_code") != 1000:
        raise RuntimeError(f"{config.name}: {method} {path}: {body.get('status_message')}")
    return body.get("data")


def _forecast(location: str, blocks: list[tuple[datetime, datetime, float]]) -> dict[str, Any]:
    return {
        "group_id": location,
        "blocks": [
            {"capacity": kw, "unit": "KW", "start_time": format_datetime(a), "end_time": format_datetime(b)}
            for a, b, kw in blocks
        ],
    }


async def signals_at_start(
    http: httpx.AsyncClient, configs: dict[str, NodeConfig], scenario: Scenario
) -> None:
    """The SCSP plans site B under the grid operator's forecast (the CPO knows its sites' connections)."""
    b = SITES[1]
    whole_day = [(scenario.start - timedelta(hours=1), scenario.end + timedelta(hours=12), b.capacity_kw)]
    await admin(http, configs["scsp"], "PUT", "/capacity", json=_forecast(b.location_id, whole_day))


async def cut_signals(http: httpx.AsyncClient, configs: dict[str, NodeConfig], scenario: Scenario) -> None:
    """The cut from mid-run (to the CPO for both sites, to the SCSP for site B), then prices from the cut
    on (to the eMSP and the SCSP): cheap for the first half of the rest of the run, dear after."""
    later = scenario.end + timedelta(hours=12)
    for site in SITES:
        blocks = [
            (scenario.start - timedelta(hours=1), scenario.cut_at, site.capacity_kw),
            (scenario.cut_at, later, site.cut_kw),
        ]
        forecast = _forecast(site.location_id, blocks)
        await admin(http, configs["cpo"], "PUT", "/capacity", json=forecast)
        if site is SITES[1]:
            await admin(http, configs["scsp"], "PUT", "/capacity", json=forecast)


async def price_signals(http: httpx.AsyncClient, configs: dict[str, NodeConfig], scenario: Scenario) -> None:
    hours = max(1, int((scenario.end - scenario.cut_at).total_seconds() // 3600) + 2)
    prices = [0.12 if h < hours // 2 else 0.34 for h in range(hours)]
    event = {
        "intervalPeriod": {"start": format_datetime(scenario.cut_at), "duration": "PT1H"},
        "payloadDescriptors": [{"payloadType": "PRICE", "units": "KWH", "currency": "EUR"}],
        "intervals": [
            {"id": h, "payloads": [{"type": "PRICE", "values": [p]}]} for h, p in enumerate(prices)
        ],
    }
    for name in ("emsp", "scsp"):
        await admin(http, configs[name], "PUT", "/signals", json=event)
