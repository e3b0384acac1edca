"""The demo's live progress: simulated time and ETA, what each node sees, the day's events as they happen."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from fera.config import NodeConfig
from fera.demo import records
from fera.demo.checks import capacity_w
from fera.demo.scenario import SITES, Scenario
from fera.ocpp.simulator import PowerTracker

__all__ = ["Progress"]


class Progress:
    """Maps real time to the simulated clock (`clock_start` at `real_start`, as every node's clock) and the
    day on it (`scenario`, which `start_by` may move later), and reports on it."""

    def __init__(
        self, console: Console, configs: dict[str, NodeConfig], scenario: Scenario, real_start: datetime
    ) -> None:
        self.console, self.configs, self.scenario, self.real_start = console, configs, scenario, real_start
        self.clock_start = scenario.start
        self.day_ends = max((ev.departure for ev in scenario.ev_arrivals()), default=scenario.end)
        groups = {spec.station_id: site.location_id for spec, site in scenario.station_specs()}
        self.tracker = PowerTracker(groups)  # the simulated stations' draw, as it happens

    def start_by(self, lead: timedelta) -> timedelta:
        """If the day would begin less than `lead` (real time) from now, it begins then instead (on a whole
        simulated minute): a set-up that overran shifts the whole day (arrivals, cut, prices, the bound)
        rather than costing the first arrivals the time they should have charged. Returns the shift."""
        earliest = self.now() + lead * self.scenario.speed
        if earliest <= self.scenario.start:
            return timedelta(0)
        start = earliest.replace(second=0, microsecond=0) + timedelta(minutes=1)
        shift = start - self.scenario.start
        self.scenario = replace(self.scenario, start=start)
        self.day_ends = max((ev.departure for ev in self.scenario.ev_arrivals()), default=self.scenario.end)
        return shift

    def site_loads(self) -> str:
        """What each site draws now against the capacity in force."""
        return ", ".join(
            f"{site.location_id} {self.tracker.group_w.get(site.location_id, 0.0) / 1000:.1f} of "
            f"{capacity_w(site, self.scenario, self.now()) / 1000:g} kW"
            for site in SITES
        )

    def now(self) -> datetime:
        return self.clock_start + (datetime.now(UTC) - self.real_start) * self.scenario.speed

    def real_seconds_until(self, when: datetime) -> float:
        return max(0.0, (when - self.now()).total_seconds() / self.scenario.speed)

    def event(self, text: str) -> None:
        """One line above the live table, stamped with simulated time."""
        self.console.print(f"[bold]{min(self.now(), self.day_ends):%H:%M}[/] {text}")

    async def at(self, when: datetime, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` at simulated `when`: a point in simulated time has nothing to await but the clock."""
        await asyncio.sleep(self.real_seconds_until(when))
        await action()

    def eta(self) -> str:
        seconds = round(self.real_seconds_until(self.day_ends))
        return f"last car leaves at {self.day_ends:%H:%M}, in about {seconds // 60}:{seconds % 60:02d}"

    def status(self) -> str:
        now = self.now()
        if now < self.scenario.start:
            return f"The simulated day starts in {self.real_seconds_until(self.scenario.start):.0f} s"
        speed, cut = self.scenario.speed, self.scenario.cut_at
        return f"Simulated {now:%H:%M} (x{speed:g}), cut at {cut:%H:%M}; {self.eta()}"

    async def seen(self) -> list[tuple[str, str]]:
        """What each node sees, from its database."""
        sessions = await records.sessions(self.configs["cpo"])
        active = sum(1 for s in sessions if s.status.value == "ACTIVE")
        kwh = sum(s.kwh for s in sessions)
        rows = [
            ("stations", f"drawing {self.site_loads()}"),
            ("cpo", f"{len(sessions)} sessions, {active} charging, {kwh:.1f} kWh delivered"),
        ]
        for name in ("emsp", "scsp"):
            sent = await records.requests(self.configs[name])
            rows.append((name, f"{len(sent)} ChargingProfile requests sent"))
        return rows

    async def live(self) -> Group:
        """For a terminal: the status line over a table of what each node sees."""
        table = Table(show_header=True)
        table.add_column("node")
        table.add_column("what it sees")
        for row in await self.seen():
            table.add_row(*row)
        return Group(Text(self.status()), table)

    async def lines(self) -> str:
        """For a log (CI): the status, then what the nodes see."""
        seen = "; ".join(f"{name}: {text}" for name, text in await self.seen())
        return f"{self.status()}\n  {seen}"
