"""The demo's world: three platforms, two sites, simulated stations, a day of EVs, and mid-run signals.

- CPO "FERA Demo CPO" (NL*FCP) runs both sites and their stations (OCPP 1.6 and 2.0.1, AC and one DC), with
  site load management; it delegates site B to the SCSP (topology "CPO delegates to SCSP") and lets only
  that contract govern there (`governing = "contract"`): the eMSP's own profiles at site B are REJECTED, so
  no car there is held at the minimum of two parties that each planned without the other.
- eMSP "FERA Demo eMSP" (NL*FMS) issues every driver's token; it steers half of its customers itself
  (topology "eMSP generates profiles") and delegates the other half to the SCSP ("eMSP delegates"), in pairs
  of arrivals (0-1 its own, 2-3 delegated, ...): arrivals alternate the sites, so both halves reach both.
- SCSP "FERA Demo SCSP" (NL*FSC) plans everything it is given under site B's grid forecast and prices.
At mid-run the grid operator cuts both sites' capacity (announced an hour ahead), and prices for the rest of
the run arrive.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fera.charging import Electrical
from fera.config import (
    ClockConfig,
    ContractConfig,
    DelegationConfig,
    NodeConfig,
    RoleConfig,
    SiteConfig,
    StationConfig,
    StationEvseConfig,
    SteeringConfig,
)
from fera.ocpi.types import Role
from fera.ocpp.simulator import EvArrival, StationSpec, generate_evs

__all__ = ["SITES", "Scenario", "Site"]

PASSWORD = "demo-station-secret"
ADMIN_TOKEN = "fera-demo-admin-token-0000"
AC_22 = Electrical("AC_3_PHASE", 230, 32, None)
DC_50 = Electrical("DC", 400, 125, 50_000)


@dataclass(frozen=True)
class Site:
    location_id: str
    name: str
    capacity_kw: float  # the grid connection
    cut_kw: float  # what the grid operator allows after the mid-run cut


# Connections small enough that the grid binds on the default day (its hindsight bound is below what the
# cars alone would allow, before the cut and after it): that is what steering is for.
SITES = (Site("LOC-A", "Utrecht Centraal P+R", 22.0, 11.0), Site("LOC-B", "Science Park", 16.0, 8.0))


SPEED = 480.0  # simulated seconds per real second on an idle machine: the default day in about 2 minutes


def auto_speed(load: float, cores: int) -> float:
    """The default speed for a machine this busy (`load`: `machine_load`).

    Every hand-over, profile and reading is a round trip between node processes, and the simulated clock
    runs on whether they got a core or not: at x480 one real second is 8 simulated minutes. Measured on 2
    cores (README): x240 delivered 96 % of the hindsight bound beside bursty test runs (load averages of
    5-7) but 91-95 % beside three busy loops, where x120 delivered 96 %. So a busy machine runs the day
    slower rather than worse.
    """
    per_core = load / max(cores, 1)
    return SPEED if per_core < 1 else SPEED / 2 if per_core < 1.5 else SPEED / 4


def machine_load(samples: int = 10, interval_s: float = 0.1) -> float:
    """How busy the machine is: its 1-minute load average, or the processes running right now (less this
    one) if more. The load average lags a minute behind work that just started: three busy loops started
    30 s before the demo showed as 1.5 on 2 cores, and the demo ran at x480 beside them."""
    load = os.getloadavg()[0]
    running = []
    try:
        for _ in range(samples):
            stat = Path("/proc/stat").read_text().split("\n")
            running.append(next(int(line.split()[1]) for line in stat if line.startswith("procs_running")))
            time.sleep(interval_s)
    except (OSError, StopIteration, ValueError, IndexError):  # not Linux: the load average alone
        return load
    return max(load, sum(running) / len(running) - 1)


@dataclass(frozen=True)
class Scenario:
    speed: float = SPEED
    stations: int = 6
    seed: int = 7
    hours: float = 14.0
    evs: int | None = None  # default: three per station
    # Drivers state departure and energy need through the eMSP (`fera.demo.drivers`). Off by default: with
    # them the CPO serves stated needs first, which delivered less of the bound on this day (README).
    preferences: bool = False
    start: datetime = field(
        default_factory=lambda: datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    )

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.hours)

    @property
    def cut_at(self) -> datetime:
        """The grid operator's capacity cut: mid-run (12:00 on the default day from 06:00 for 12 hours)."""
        return self.start + timedelta(hours=self.hours / 2)

    def station_specs(self) -> list[tuple[StationSpec, Site]]:
        """Stations alternate 1.6 / 2.0.1 and the two sites; the first one is a 50 kW DC charger."""
        out = []
        for i in range(self.stations):
            dc = i == 0
            spec = StationSpec(
                station_id=f"ST{i + 1:02d}",
                ocpp_version="1.6" if i % 2 == 0 else "2.0.1",
                connectors=1 if dc else 2,
                password=PASSWORD,
                electrical=DC_50 if dc else AC_22,
            )
            out.append((spec, SITES[i % 2]))
        return out

    def evse_uid(self, spec: StationSpec, connector: int) -> str:
        return f"{spec.station_id}-{connector}"

    def ev_arrivals(self) -> tuple[EvArrival, ...]:
        count = self.evs if self.evs is not None else 3 * self.stations
        return generate_evs(count, self.start, self.seed, self.hours)

    def token_uids(self) -> list[str]:
        """The simulator presents SIM000000, SIM000001, ... in arrival order: one token per visit."""
        return [f"SIM{i:06d}" for i in range(len(self.ev_arrivals()))]

    def delegated_tokens(self) -> list[str]:
        """Arrivals 2-3, 6-7, ...: arrival i charges at site i % 2, so delegated drivers reach both sites
        (at site A the SCSP steers them through the eMSP; at site B by its contract)."""
        return [uid for i, uid in enumerate(self.token_uids()) if (i // 2) % 2 == 1]

    def configs(self, ports: dict[str, int], workdir: str, real_start: datetime) -> dict[str, NodeConfig]:
        clock = ClockConfig(start=self.start, real_start=real_start, speed=self.speed)
        common = {"admin_token": ADMIN_TOKEN, "clock": clock}

        def node(name: str, role: RoleConfig, **extra: object) -> NodeConfig:
            return NodeConfig.model_validate(
                {
                    "name": name,
                    "public_url": f"http://127.0.0.1:{ports[name]}",
                    "listen": f"127.0.0.1:{ports[name]}",
                    "database_url": f"sqlite+aiosqlite:///{workdir}/{name}.sqlite3",
                    "roles": [role],
                }
                | common
                | extra
            )

        return {
            "cpo": node(
                "cpo",
                RoleConfig(role=Role.CPO, country_code="NL", party_id="FCP", name="FERA Demo CPO"),
                ocpp_listen=f"127.0.0.1:{ports['ocpp']}",
                contracts=[ContractConfig(scsp="NL*FSC", locations=[SITES[1].location_id])],
                sites=[SiteConfig(location=s.location_id, capacity_kw=s.capacity_kw) for s in SITES],
                steering=[SteeringConfig(location=SITES[1].location_id, governing="contract")],
                stations=[self._station(spec, site) for spec, site in self.station_specs()],
            ),
            "emsp": node(
                "emsp",
                RoleConfig(role=Role.EMSP, country_code="NL", party_id="FMS", name="FERA Demo eMSP"),
                delegations=[DelegationConfig(scsp="NL*FSC", tokens=self.delegated_tokens())],
                steer_own_customers=True,
            ),
            "scsp": node(
                "scsp", RoleConfig(role=Role.SCSP, country_code="NL", party_id="FSC", name="FERA Demo SCSP")
            ),
        }

    def _station(self, spec: StationSpec, site: Site) -> StationConfig:
        evses = [
            StationEvseConfig(ocpp_id=c, evse_uid=self.evse_uid(spec, c), connector_id="1")
            for c in range(1, spec.connectors + 1)
        ]
        return StationConfig(id=spec.station_id, password=PASSWORD, location=site.location_id, evses=evses)
