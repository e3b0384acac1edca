"""The demo's drivers state when they leave and how much energy they need, on arrival, to whoever steers them.

A driver the eMSP steers itself calls the eMSP's admin API (`PUT /fera/admin/drivers/{token}/charging_
preferences`) once the session reached the eMSP; the eMSP sends the OCPI ChargingPreferences to the CPO,
whose site load management then serves stated needs first. A driver the eMSP delegated to the SCSP
(topology B) calls the SCSP's (the same path): the SCSP plans with them and sends them over OCPI to the
eMSP, which sends them on to the CPO (`fera.scsp.planning_preferences`). A driver asks for no more than the
car can take before leaving (its own maximum over its stay): the CPO would answer NOT_POSSIBLE to more.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from fera.config import NodeConfig
from fera.demo.progress import Progress
from fera.demo.signals import AUTH
from fera.ocpi.types import format_datetime
from fera.ocpp.simulator import EvArrival

__all__ = ["state_preferences"]

RETRY_S = 0.25  # real seconds between a driver's tries while the session is on its way to the eMSP


def _body(ev: EvArrival) -> dict[str, object]:
    stay_h = (ev.departure - ev.arrival).total_seconds() / 3600
    need = round(min(ev.energy_kwh, ev.max_kw * stay_h), 1)
    return {"profile_type": "REGULAR", "departure_time": format_datetime(ev.departure), "energy_need": need}


async def _state(
    http: httpx.AsyncClient, steers: NodeConfig, progress: Progress, uid: str, ev: EvArrival
) -> str:
    """The CPO's answer, or why there is none (the session never reached the node that `steers` the driver
    before departure)."""
    await asyncio.sleep(progress.real_seconds_until(ev.arrival))
    url = f"{steers.public_url}/fera/admin/drivers/{uid}/charging_preferences"
    while progress.now() < ev.departure:
        try:
            reply = await http.put(url, json=_body(ev), headers=AUTH)
            status, body = reply.status_code, reply.json()
        except (httpx.HTTPError, ValueError) as exc:
            return f"error: {exc}"
        if body.get("status_code") == 1000:
            return str(body.get("data"))
        if status != 404:  # 404: the session is still on its way there
            return f"error: {body.get('status_message', status)}"
        await asyncio.sleep(RETRY_S)
    return "no session"


async def state_preferences(
    http: httpx.AsyncClient, configs: dict[str, NodeConfig], progress: Progress, evs: tuple[EvArrival, ...]
) -> Counter[str]:
    """Every driver of `evs` (the day's first visits) states theirs at arrival, to the eMSP or, delegated,
    to the SCSP; how many got each answer."""
    uids = progress.scenario.token_uids()[: len(evs)]
    delegated = set(progress.scenario.delegated_tokens())

    def steers(uid: str) -> NodeConfig:
        return configs["scsp" if uid in delegated else "emsp"]

    visits = zip(uids, evs, strict=True)
    answers = await asyncio.gather(*(_state(http, steers(uid), progress, uid, ev) for uid, ev in visits))
    return Counter(answers)
