"""Closed-loop load: one worker per session sends SetChargingProfile, waits for its result, sends the next.

Latency of one request: `ProfileRequest.result_latency_s`, from the sender creating it (before its PUT) to
the result arriving on its `response_url`. The baseline is an authenticated GET of version details to the
sender's Receiver node, with as many workers.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx

from bench._harness import percentile
from bench.chargingprofiles._topologies import Topology
from fera.exchange import exchange_of
from fera.ocpi.auth import authorization_header
from fera.ocpi.chargingprofiles.models import ChargingProfile
from fera.smartcharging.model import RequestState

__all__ = ["Outcome", "baseline", "profiles", "settle"]

RESULT_WAIT_S = 30.0


@dataclass
class Outcome:
    elapsed: float = 0.0
    failures: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def ms(self, pct: int) -> float:
        return percentile(self.latencies, pct) * 1000


def _profile(n: int) -> ChargingProfile:
    periods = [{"start_period": 0, "limit": 6.0 + n % 26}, {"start_period": 1800, "limit": 8.0}]
    return ChargingProfile.model_validate({"charging_rate_unit": "A", "charging_profile_period": periods})


class _Quota:
    """Requests left to issue, and a deadline after which no worker starts another."""

    def __init__(self, count: int, budget_s: float) -> None:
        self.left, self.deadline = count, time.monotonic() + budget_s

    def take(self) -> bool:
        if self.left <= 0 or time.monotonic() > self.deadline:
            return False
        self.left -= 1
        return True


async def _lane(topology: Topology, session_id: str, quota: _Quota, out: Outcome) -> None:
    sender, n = topology.sender, 0
    while quota.take():
        n += 1
        request = await sender.set_profile(topology.partner_id, session_id, _profile(n))
        if request.state is RequestState.WAITING or request.state is RequestState.DONE:
            request = await sender.wait(request.id, timeout=RESULT_WAIT_S)
        if request.result == {"result": "ACCEPTED"} and request.result_latency_s is not None:
            out.latencies.append(request.result_latency_s)
        else:
            out.failures += 1


async def profiles(topology: Topology, sessions: int, requests: int, budget_s: float) -> Outcome:
    """`requests` SetChargingProfile over `sessions` sessions in parallel; none starts after `budget_s`."""
    quota, out = _Quota(requests, budget_s), Outcome()
    begin = time.perf_counter()
    lanes = (_lane(topology, sid, quota, out) for sid in topology.session_ids[:sessions])
    await asyncio.gather(*lanes)
    out.elapsed = time.perf_counter() - begin
    await settle(topology)
    return out


async def settle(topology: Topology) -> None:
    """Let the CPO finish applying (active-profile pushes included) before the next phase."""
    assert topology.cpo.node.cpo_profiles is not None
    await topology.cpo.node.cpo_profiles.applier.drain()
    for running in topology.nodes:
        await exchange_of(running.node).pusher.drain()


async def baseline(topology: Topology, workers: int, requests: int, budget_s: float) -> Outcome:
    """Authenticated GET /ocpi/2.2.1 round trips to the sender's Receiver node, `workers` at a time."""
    quota, out = _Quota(requests, budget_s), Outcome()
    headers = {"Authorization": authorization_header(topology.token)}
    url = topology.receiver.url + "/ocpi/2.2.1"

    async def lane(http: httpx.AsyncClient) -> None:
        while quota.take():
            start = time.perf_counter()
            response = await http.get(url)
            out.latencies.append(time.perf_counter() - start)
            out.failures += response.status_code != 200

    async with httpx.AsyncClient(headers=headers, timeout=10.0) as http:
        begin = time.perf_counter()
        await asyncio.gather(*(lane(http) for _ in range(workers)))
        out.elapsed = time.perf_counter() - begin
    return out
